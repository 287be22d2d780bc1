import Conveyor
import Hummingbird

/// `/retries`, `/scheduled` and `/dead`: a page of the set (by offset, so page 4,000 costs what page 1
/// does), an optional text filter, and retry now, enqueue now, kill and delete for one entry or every
/// checked one.
extension DashboardRoutes {
    /// The page's path, title and the actions it offers (value, label, whether it destroys).
    static func presentation(of set: JobSet) -> (path: String, title: String, actions: [(String, String, Bool)]) {
        switch set {
        case .retry: ("/retries", "Retries", [("retry", "Retry now", false), ("kill", "Kill", true), ("delete", "Delete", true)])
        case .schedule: ("/scheduled", "Scheduled", [("retry", "Enqueue now", false), ("kill", "Kill", true), ("delete", "Delete", true)])
        case .dead: ("/dead", "Dead", [("retry", "Retry now", false), ("delete", "Delete", true)])
        }
    }

    func jobSet(_ set: JobSet, query: FormFields) async throws -> Response {
        let (path, title, actions) = Self.presentation(of: set)
        let statistics = try await dashboard.admin.statistics()
        let filter = query["filter"] ?? ""
        let offset = (max(1, query.integer("page", default: 1)) - 1) * dashboard.pageSize
        let page = filter.isEmpty
            ? try await dashboard.admin.entries(in: set, offset: offset, limit: dashboard.pageSize)
            : try await dashboard.admin.entries(in: set, containing: filter, offset: offset, limit: dashboard.pageSize)
        let now = WallClock.now()
        let rows = page.entries.map { entry in
            let buttons = actions.map { value, label, destroys in
                "<button name=\"one\" value=\"\(value):\(HTML.escape(entry.id))\"\(destroys ? " class=\"danger\"" : "")>\(label)</button>"
            }.joined(separator: " ")
            let link = dashboard.path("/jobs/" + HTML.urlComponent(entry.id)) + "?set=" + set.rawValue
            return """
            <tr><td><input type="checkbox" name="id" value="\(HTML.escape(entry.id))" aria-label="select"></td>\
            <td title="\(HTML.escape(JobText.time(entry.score)))">\(HTML.escape(JobText.relative(entry.score, now: now)))</td>\
            <td><a href="\(HTML.escape(link))">\(HTML.escape(JobText.className(entry)))</a></td><td>\(HTML.escape(JobText.queue(entry)))</td>\
            <td class="args mono">\(HTML.escape(JobText.arguments(entry)))</td><td class="err">\(HTML.escape(JobText.error(entry)))</td>\
            <td>\(buttons)</td></tr>
            """
        }.joined()
        let bulk = actions.map { value, label, destroys in
            "<button name=\"action\" value=\"\(value)\"\(destroys ? " class=\"danger\" data-confirm=\"\(label) every checked job?\"" : "")>\(label) checked</button>"
        }.joined(separator: " ")
        let pager = Pagination(offset: page.offset, shown: page.entries.count, total: page.total, pageSize: dashboard.pageSize, path: dashboard.path(path), filter: filter).html
        let empty = filter.isEmpty ? "The \(title.lowercased()) set is empty." : "No entry contains that text."
        let body = """
        \(Self.flash(query["notice"]))<form method="get" action="\(HTML.escape(dashboard.path(path)))" class="bar">\
        <input type="search" name="filter" value="\(HTML.escape(filter))" placeholder="Filter by class, jid, argument or error">\
        <button>Filter</button>\(filter.isEmpty ? "" : "<a class=\"button\" href=\"\(HTML.escape(dashboard.path(path)))\">Clear filter</a>")</form>
        <form method="post" action="\(HTML.escape(dashboard.path(path)))">\(csrfField)<div class="bar"><span class="grow">\(bulk)</span>\
        <button class="danger" name="action" value="clear" data-confirm="Delete all \(page.total) entries of the \(title.lowercased()) set?">Delete all</button></div>
        \(pager)<div class="wrap"><table><tr><th><input type="checkbox" data-check-all aria-label="select all"></th>\
        <th>\(set == .dead ? "Died" : "Runs")</th><th>Class</th><th>Queue</th><th>Arguments</th><th>Error</th><th>Actions</th></tr>\
        \(rows.isEmpty ? "<tr><td colspan=\"7\" class=\"muted\">\(empty)</td></tr>" : rows)</table></div>\(pager)</form>
        """
        return PageLayout(section: path, title: title, body: body, statistics: statistics).response(dashboard)
    }

    /// Runs one action on the entries the form names: `one=ACTION:ID` from a row's button, or
    /// `action=ACTION` with every checked `id`; `action=clear` empties the set.
    func setAction(_ set: JobSet, form: FormFields) async throws -> Response {
        let path = Self.presentation(of: set).path
        var action = form["action"] ?? ""
        var ids = form.all("id")
        if let one = form["one"], let colon = one.firstIndex(of: ":") {
            action = String(one[..<colon])
            ids = [String(one[one.index(after: colon)...])]
        }
        if action == "clear" {
            let count = try await dashboard.admin.clear(set)
            return redirect(path, notice: "Deleted all \(count) entr\(count == 1 ? "y" : "ies").")
        }
        guard !ids.isEmpty else { return redirect(path, notice: "Nothing to do: no job was checked.") }
        let result = try await apply(action, to: ids, in: set)
        return redirect(path, notice: result.notice)
    }

    /// Applies `action` to each ID, counting what worked and keeping each refusal's message.
    func apply(_ action: String, to ids: [String], in set: JobSet) async throws -> (done: Int, failures: [String], notice: String) {
        let admin = dashboard.admin
        var done = 0
        var failures: [String] = []
        for id in ids {
            do {
                switch action {
                case "retry": try await admin.enqueueNow(id: id, from: set)
                case "delete": try await admin.delete(id: id, from: set)
                case "kill": try await admin.kill(id: id, from: set)
                default: return (0, [], "Unknown action \(action).")
                }
                done += 1
            } catch let error as AdminError {
                failures.append(error.description)
            }
        }
        let verb = ["retry": set == .schedule ? "Enqueued" : "Retried", "delete": "Deleted", "kill": "Killed"][action] ?? action
        let notice = "\(verb) \(done) job\(done == 1 ? "" : "s")." + (failures.isEmpty ? "" : " " + failures.prefix(3).joined(separator: " "))
        return (done, failures, notice)
    }
}
