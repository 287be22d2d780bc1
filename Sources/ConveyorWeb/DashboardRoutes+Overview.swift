import Conveyor
import Hummingbird

/// `/` and `/stats.json`: the counters, the live and 30-day charts and the server's facts.
extension DashboardRoutes {
    func overview() async throws -> Response {
        let admin = dashboard.admin
        let statistics = try await admin.statistics()
        let busy = try await admin.processes().reduce(0) { $0 + $1.busy }
        let history = try await admin.history(days: 30, endingAt: WallClock.now())
        let info = try await admin.serverInfo()
        let cards: [(String, String, Int, String?)] = [
            ("processed", "Processed", statistics.processed, nil), ("failed", "Failed", statistics.failed, nil),
            ("busy", "Busy", busy, "/busy"), ("enqueued", "Enqueued", statistics.enqueued, "/queues"),
            ("retries", "Retries", statistics.retries, "/retries"), ("scheduled", "Scheduled", statistics.scheduled, "/scheduled"),
            ("dead", "Dead", statistics.dead, "/dead"),
        ]
        let cardHTML = cards.map { id, label, value, link in
            let content = "<b id=\"stat-\(id)\">\(HTML.count(value))</b><span>\(label)</span>"
            return "<div class=\"card\">" + (link.map { "<a href=\"\(HTML.escape(dashboard.path($0)))\">\(content)</a>" } ?? content) + "</div>"
        }.joined()
        let facts = info.sorted { $0.key < $1.key }.map { "<dt>\(HTML.escape($0.key))</dt><dd>\(HTML.escape($0.value))</dd>" }.joined()
        let legend = "<div class=\"legend\"><i class=\"l-ok\"></i>processed<i class=\"l-bad\"></i>failed</div>"
        let body = """
        <div class="cards">\(cardHTML)</div>
        <h2>Live throughput</h2><div class="panel">\(Charts.live(statsURL: dashboard.path("/stats.json")))\(legend)</div>
        <h2>History (30 days, UTC)</h2><div class="panel">\(Charts.history(history))\(legend)</div>
        <h2>Server</h2><div class="panel"><dl>\(facts)</dl></div>
        """
        return PageLayout(section: "/", title: "Overview", body: body, statistics: statistics).response(dashboard)
    }

    /// What the live chart polls: the counters and sizes as one JSON object.
    func statsJSON() async throws -> Response {
        let statistics = try await dashboard.admin.statistics()
        let busy = try await dashboard.admin.processes().reduce(0) { $0 + $1.busy }
        let values: [(String, Int)] = [
            ("processed", statistics.processed), ("failed", statistics.failed), ("busy", busy), ("enqueued", statistics.enqueued),
            ("retries", statistics.retries), ("scheduled", statistics.scheduled), ("dead", statistics.dead), ("processes", statistics.processes),
        ]
        var object = JSONObject()
        for (name, value) in values { object[name] = .number(JSONNumber(value)) }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(object).jsonString)))
    }
}
