import Conveyor
import Hummingbird

/// `/busy`: the worker processes with quiet and stop, and the jobs they are running.
extension DashboardRoutes {
    func busy(notice: String?) async throws -> Response {
        let statistics = try await dashboard.admin.statistics()
        let processes = try await dashboard.admin.processes()
        let running = try await dashboard.admin.runningJobs()
        let now = WallClock.now()
        let processRows = processes.map { process in
            let queues = process.queues.map { "<span class=\"tag\">\(HTML.escape($0))</span>" }.joined()
            let quiet = process.isQuiet ? " <span class=\"tag quiet\">quiet</span>" : ""
            return """
            <tr><td class="mono">\(HTML.escape(process.identity))\(quiet)</td>\
            <td>\(process.startedAt.map { HTML.escape(JobText.relative($0, now: now)) } ?? "–")</td>\
            <td class="num">\(process.concurrency.map(HTML.count) ?? "–")</td><td class="num">\(HTML.count(process.busy))</td>\
            <td class="num">\(HTML.age(process.beatAge))</td><td>\(queues)</td>\
            <td><button name="quiet" value="\(HTML.escape(process.identity))"\(process.isQuiet ? " disabled" : "")>Quiet</button> \
            <button class="danger" name="stop" value="\(HTML.escape(process.identity))" data-confirm="Stop \(HTML.escape(process.identity))?">Stop</button></td></tr>
            """
        }.joined()
        let jobRows = running.map { job in
            let entry = JobSetEntry(score: 0, payload: job.payload)
            return """
            <tr><td class="mono">\(HTML.escape(job.identity))</td><td>\(HTML.escape(job.queue))</td>\
            <td>\(HTML.escape(JobText.className(entry)))</td><td class="args mono">\(HTML.escape(JobText.arguments(entry)))</td>\
            <td class="mono">\(HTML.escape(entry.id))</td><td>\(HTML.escape(JobText.relative(job.runAt, now: now)))</td></tr>
            """
        }.joined()
        let body = """
        \(Self.flash(notice))<h2>Processes (\(processes.count))</h2>
        <form method="post" action="\(HTML.escape(dashboard.path("/busy")))">\(csrfField)<div class="wrap"><table>\
        <tr><th>Identity</th><th>Started</th><th class="num">Concurrency</th><th class="num">Busy</th><th class="num">Beat</th><th>Queues</th><th>Actions</th></tr>\
        \(processRows.isEmpty ? "<tr><td colspan=\"7\" class=\"muted\">No live worker process.</td></tr>" : processRows)</table></div></form>
        <h2>Running jobs (\(running.count))</h2><div class="wrap"><table>\
        <tr><th>Process</th><th>Queue</th><th>Class</th><th>Arguments</th><th>JID</th><th>Started</th></tr>\
        \(jobRows.isEmpty ? "<tr><td colspan=\"6\" class=\"muted\">Nothing is running.</td></tr>" : jobRows)</table></div>
        """
        return PageLayout(section: "/busy", title: "Busy", body: body, statistics: statistics).response(dashboard)
    }

    func processAction(_ form: FormFields) async throws -> Response {
        let (signal, identity): (WorkerSignal, String?) = form["stop"] != nil ? (.stop, form["stop"]) : (.quiet, form["quiet"])
        guard let identity else { return redirect("/busy", notice: "Nothing to do: no process was chosen.") }
        do {
            try await dashboard.admin.send(signal, to: identity)
            return redirect("/busy", notice: "Sent \(signal == .stop ? "stop" : "quiet") to \(identity); it obeys at its next heartbeat.")
        } catch let error as AdminError {
            return redirect("/busy", notice: error.description)
        }
    }
}
