import Conveyor
import Hummingbird

/// `/queues` and `/queues/NAME`: sizes, latencies and paused state, a queue's jobs by page, deleting
/// one job, pausing or resuming a queue (as `conveyor queue pause|resume`) and clearing it.
extension DashboardRoutes {
    func queues(notice: String?) async throws -> Response {
        let statistics = try await dashboard.admin.statistics()
        let queues = try await dashboard.admin.queues()
        let rows = queues.map { queue in
            """
            <tr><td><a href="\(HTML.escape(dashboard.path("/queues/" + HTML.urlComponent(queue.name))))">\(HTML.escape(queue.name))</a></td>\
            <td class="num">\(HTML.count(queue.size))</td><td class="num">\(HTML.age(Double(queue.latency.components.seconds)))</td>\
            <td>\(queue.isPaused ? "<span class=\"tag quiet\">paused</span>" : "running")</td>\
            <td><form method="post" action="\(HTML.escape(dashboard.path("/queues/" + HTML.urlComponent(queue.name))))">\(csrfField)\
            \(Self.pauseButton(isPaused: queue.isPaused)) \
            <button class="danger" name="action" value="clear" data-confirm="Delete all \(queue.size) jobs of queue \(HTML.escape(queue.name))?">Clear</button></form></td></tr>
            """
        }.joined()
        let table = queues.isEmpty
            ? "<p class=\"muted\">No queues yet: a queue appears when the first job is pushed to it.</p>"
            : "<div class=\"wrap\"><table><tr><th>Queue</th><th class=\"num\">Size</th><th class=\"num\">Latency</th><th>State</th><th>Actions</th></tr>\(rows)</table></div>"
        return PageLayout(section: "/queues", title: "Queues", body: Self.flash(notice) + table, statistics: statistics).response(dashboard)
    }

    func queue(_ name: String, query: FormFields) async throws -> Response {
        let statistics = try await dashboard.admin.statistics()
        let page = max(1, query.integer("page", default: 1))
        let jobs = try await dashboard.admin.jobs(inQueue: name, offset: (page - 1) * dashboard.pageSize, limit: dashboard.pageSize)
        let isPaused = try await dashboard.admin.queues().first { $0.name == name }?.isPaused ?? false
        let path = dashboard.path("/queues/" + HTML.urlComponent(name))
        let rows = jobs.payloads.map { payload -> String in
            let entry = JobSetEntry(score: 0, payload: payload)
            let enqueuedAt = entry.fields?[JobField.enqueuedAt]?.doubleValue
            let link = dashboard.path("/jobs/" + HTML.urlComponent(entry.id)) + "?queue=" + HTML.urlComponent(name)
            return """
            <tr><td class="mono"><a href="\(HTML.escape(link))">\(HTML.escape(entry.id))</a></td><td>\(HTML.escape(JobText.className(entry)))</td>\
            <td class="args mono">\(HTML.escape(JobText.arguments(entry)))</td>\
            <td>\(enqueuedAt.map { HTML.escape(JobText.relative($0, now: WallClock.now())) } ?? "–")</td>\
            <td><button class="danger" name="delete" value="\(HTML.escape(entry.id))">Delete</button></td></tr>
            """
        }.joined()
        let pager = Pagination(offset: jobs.offset, shown: jobs.payloads.count, total: jobs.total, pageSize: dashboard.pageSize, path: path, filter: "").html
        let body = """
        \(Self.flash(query["notice"]))<form method="post" action="\(HTML.escape(path))">\(csrfField)
        <div class="bar"><span class="grow muted">\(HTML.count(jobs.total)) waiting, next to run first\(isPaused ? " · paused: no worker fetches from it" : "")</span>\
        \(Self.pauseButton(isPaused: isPaused))\
        <button class="danger" name="action" value="clear" data-confirm="Delete all \(jobs.total) jobs of queue \(HTML.escape(name))?">Clear queue</button></div>
        \(pager)<div class="wrap"><table><tr><th>JID</th><th>Class</th><th>Arguments</th><th>Enqueued</th><th></th></tr>\(rows)</table></div>\(pager)</form>
        """
        return PageLayout(section: "/queues", title: "Queue " + name, body: body, statistics: statistics).response(dashboard)
    }

    /// The button that flips a queue's paused state; posts to the queue's own URL.
    static func pauseButton(isPaused: Bool) -> String {
        isPaused
            ? "<button name=\"action\" value=\"resume\">Resume</button>"
            : "<button name=\"action\" value=\"pause\" data-confirm=\"Pause this queue? No worker fetches its jobs until it is resumed.\">Pause</button>"
    }

    func queueAction(_ name: String, form: FormFields) async throws -> Response {
        let back = "/queues/" + HTML.urlComponent(name)
        switch form["action"] {
        case "clear":
            let count = try await dashboard.admin.clearQueue(name)
            return redirect("/queues", notice: "Cleared queue \(name): \(count) job\(count == 1 ? "" : "s") deleted.")
        case "pause":
            let changed = try await dashboard.admin.pauseQueue(name)
            return redirect("/queues", notice: changed ? "Paused queue \(name): workers fetch none of its jobs until it is resumed." : "Queue \(name) was already paused.")
        case "resume":
            let changed = try await dashboard.admin.resumeQueue(name)
            return redirect("/queues", notice: changed ? "Resumed queue \(name)." : "Queue \(name) was not paused.")
        default:
            break
        }
        guard let id = form["delete"] else { return redirect(back, notice: "Nothing to do: no job was chosen.") }
        do {
            let entry = try await dashboard.admin.deleteJob(id: id, fromQueue: name)
            return redirect(back, notice: "Deleted job \(entry.id) (\(JobText.className(entry))).")
        } catch let error as AdminError {
            return redirect(back, notice: error.description)
        }
    }
}
