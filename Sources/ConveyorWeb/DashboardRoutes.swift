import Conveyor
import Foundation
import Hummingbird

/// The dashboard's routes: a GET per page, a POST per action, and `stats.json` for the live chart.
/// Paths are Sidekiq's: `/`, `/busy`, `/queues`, `/queues/NAME`, `/retries`, `/scheduled`, `/dead`,
/// `/jobs/JID`.
struct DashboardRoutes: Sendable {
    let dashboard: Dashboard

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("/") { _, _ in try await overview() }
        group.get("stats.json") { _, _ in try await statsJSON() }
        group.get("busy") { request, _ in try await busy(notice: Self.query(request)["notice"]) }
        group.post("busy") { request, context in try await processAction(try await Self.form(request, context)) }
        group.get("queues") { request, _ in try await queues(notice: Self.query(request)["notice"]) }
        group.get("queues/:name") { request, context in
            try await queue(try Self.pathParameter("name", context), query: Self.query(request))
        }
        group.post("queues/:name") { request, context in
            try await queueAction(try Self.pathParameter("name", context), form: try await Self.form(request, context))
        }
        for (path, set) in [("retries", JobSet.retry), ("scheduled", .schedule), ("dead", .dead)] {
            group.get(RouterPath(path)) { request, _ in try await jobSet(set, query: Self.query(request)) }
            group.post(RouterPath(path)) { request, context in try await setAction(set, form: try await Self.form(request, context)) }
        }
        group.get("jobs/:jid") { request, context in
            try await job(try Self.pathParameter("jid", context), query: Self.query(request))
        }
    }

    /// A path parameter with its `%XX` escapes decoded (the router hands them over as sent), so a
    /// queue named `a b` or `<x>` is found by its own name.
    static func pathParameter<Context: RequestContext>(_ name: String, _ context: Context) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    /// The fields of the request's query string.
    static func query(_ request: Request) -> FormFields {
        FormFields(request.uri.query ?? "")
    }

    /// The fields of a POST's form body (already read and checked by ``DashboardGuard``).
    static func form<Context: RequestContext>(_ request: Request, _ context: Context) async throws -> FormFields {
        var request = request
        let body = try await request.collectBody(upTo: DashboardGuard<Context>.maximumBodySize)
        return FormFields(String(buffer: body))
    }

    /// A 303 back to a page of the dashboard, with a notice to show there.
    func redirect(_ path: String, notice: String) -> Response {
        Response.redirect(to: dashboard.path(path) + "?notice=" + HTML.urlComponent(notice), type: .normal)
    }

    /// The hidden field every form carries.
    var csrfField: String {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(HTML.escape(dashboard.csrfToken))\">"
    }

    /// A notice from the last action, if any.
    static func flash(_ notice: String?) -> String {
        guard let notice, !notice.isEmpty else { return "" }
        return "<div class=\"flash\" role=\"status\">\(HTML.escape(notice.prefix(300)))</div>"
    }

    /// A page that says what is missing, with status 404.
    func notFound(_ title: String, _ message: String) async -> Response {
        let statistics = try? await dashboard.admin.statistics()
        return PageLayout(section: "", title: title, body: "<p>\(HTML.escape(message))</p>", statistics: statistics)
            .response(dashboard, status: .notFound)
    }
}
