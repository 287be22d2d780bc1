import Conveyor
import Hummingbird

/// `/jobs/JID`: one entry of the retry, schedule or dead set with every field, the error, the
/// backtrace and the payload as stored, and its actions.
extension DashboardRoutes {
    func job(_ id: String, query: FormFields) async throws -> Response {
        if let queue = query["queue"] { return try await queuedJob(id, in: queue) }
        let sets: [JobSet] = query["set"].flatMap(JobSet.init(rawValue:)).map { [$0] } ?? [.retry, .schedule, .dead]
        var found: (JobSetEntry, JobSet)?
        for set in sets where found == nil {
            if let entry = try? await dashboard.admin.entry(id: id, in: set) { found = (entry, set) }
        }
        guard let (entry, set) = found else {
            return await notFound("Job not found", "No job with jid \(id) is in the retry, schedule or dead set now; it may have run or been deleted.")
        }
        let statistics = try await dashboard.admin.statistics()
        let (path, _, actions) = Self.presentation(of: set)
        let fields = entry.fields ?? JSONObject()
        let rows = fields.map { name, value in
            "<dt>\(HTML.escape(name))</dt><dd class=\"mono\">\(HTML.escape(value.stringValue ?? value.jsonString))</dd>"
        }.joined()
        let buttons = actions.map { value, label, destroys in
            "<button name=\"one\" value=\"\(value):\(HTML.escape(entry.id))\"\(destroys ? " class=\"danger\"" : "")>\(label)</button>"
        }.joined(separator: " ")
        let backtrace = fields["error_backtrace"].map { value -> String in
            let lines = value.arrayValue?.compactMap(\.stringValue) ?? [value.stringValue ?? value.jsonString]
            return "<h2>Backtrace</h2><pre>\(HTML.escape(lines.joined(separator: "\n")))</pre>"
        } ?? ""
        let error = JobText.error(entry, limit: 10_000)
        let body = """
        <p class="muted">In the <a href="\(HTML.escape(dashboard.path(path)))">\(set.rawValue) set</a> · \
        \(set == .dead ? "died" : "runs") \(HTML.escape(JobText.time(entry.score))) (\(HTML.escape(JobText.relative(entry.score, now: WallClock.now()))))</p>
        <form method="post" action="\(HTML.escape(dashboard.path(path)))" class="bar">\(csrfField)\(buttons)</form>
        \(error.isEmpty ? "" : "<h2>Error</h2><pre class=\"err\">\(HTML.escape(error))</pre>")\(backtrace)
        <h2>Fields</h2><div class="panel"><dl>\(rows.isEmpty ? "<dt>payload</dt><dd>(not a JSON object)</dd>" : rows)</dl></div>
        <h2>Payload as stored</h2><pre>\(HTML.escape(String(decoding: entry.payload, as: UTF8.self)))</pre>
        """
        return PageLayout(section: path, title: JobText.className(entry) + " " + entry.id, body: body, statistics: statistics).response(dashboard)
    }

    /// A job waiting in a queue, found by reading the queue in pages of 1,000 (bounded, as every
    /// listing is), with its fields, the payload and a delete button.
    func queuedJob(_ id: String, in queue: String) async throws -> Response {
        var offset = 0
        var found: JobSetEntry?
        while found == nil {
            let page = try await dashboard.admin.jobs(inQueue: queue, offset: offset, limit: 1000)
            found = page.payloads.lazy.map { JobSetEntry(score: 0, payload: $0) }.first { $0.id == id }
            offset += page.payloads.count
            if page.payloads.count < 1000 { break }
        }
        guard let entry = found else {
            return await notFound("Job not found", "No job with jid \(id) waits in queue \(queue); a worker may have fetched it.")
        }
        let statistics = try await dashboard.admin.statistics()
        let path = dashboard.path("/queues/" + HTML.urlComponent(queue))
        let rows = (entry.fields ?? JSONObject()).map { name, value in
            "<dt>\(HTML.escape(name))</dt><dd class=\"mono\">\(HTML.escape(value.stringValue ?? value.jsonString))</dd>"
        }.joined()
        let body = """
        <p class="muted">Waiting in queue <a href="\(HTML.escape(path))">\(HTML.escape(queue))</a></p>
        <form method="post" action="\(HTML.escape(path))" class="bar">\(csrfField)\
        <button class="danger" name="delete" value="\(HTML.escape(entry.id))" data-confirm="Delete this job?">Delete</button></form>
        <h2>Fields</h2><div class="panel"><dl>\(rows.isEmpty ? "<dt>payload</dt><dd>(not a JSON object)</dd>" : rows)</dl></div>
        <h2>Payload as stored</h2><pre>\(HTML.escape(String(decoding: entry.payload, as: UTF8.self)))</pre>
        """
        return PageLayout(section: "/queues", title: JobText.className(entry) + " " + entry.id, body: body, statistics: statistics).response(dashboard)
    }
}
