import Foundation
import Hummingbird

/// What stands in front of every dashboard route: HTTP basic auth when a password is set, the CSRF
/// checks on every POST, and the headers that keep pages out of frames and referrers.
///
/// A POST passes only when its `_csrf` form field (or `X-CSRF-Token` header, for scripts) equals the
/// dashboard's token, compared in constant time, and when the browser's `Sec-Fetch-Site` and `Origin`,
/// if sent, say it came from the dashboard's own origin. Anything else is 403, before any handler runs.
struct DashboardGuard<Context: RequestContext>: RouterMiddleware {
    let dashboard: Dashboard

    /// Bodies are small forms; anything larger is refused rather than buffered.
    static var maximumBodySize: Int { 1 << 20 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let password = dashboard.password, !Self.isAuthorized(request, password: password) {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Basic realm=\"Conveyor\", charset=\"UTF-8\""
            return Self.secured(Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "Authentication required.\n"))))
        }
        var request = request
        if request.method == .post {
            let body = try await request.collectBody(upTo: Self.maximumBodySize)
            if let refusal = refusal(of: request, form: FormFields(String(buffer: body))) {
                return Self.secured(Response(status: .forbidden, body: .init(byteBuffer: ByteBuffer(string: refusal + "\n"))))
            }
        } else if request.method != .get && request.method != .head {
            return Self.secured(Response(status: .methodNotAllowed))
        }
        return Self.secured(try await next(request, context))
    }

    /// Why a POST is refused, or `nil` to let it through.
    func refusal(of request: Request, form: FormFields) -> String? {
        if dashboard.isReadOnly { return "Refused: this dashboard is read-only." }
        if let site = request.headers[HTTPFields.Element.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            return "Refused: a state-changing request from another site (Sec-Fetch-Site: \(site))."
        }
        if let origin = request.headers[.origin], origin != "null", let host = request.head.authority {
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            if originHost != host { return "Refused: the request's Origin is not this dashboard's." }
        }
        let token = form["_csrf"] ?? request.headers[HTTPFields.Element.Name("X-CSRF-Token")!] ?? ""
        guard SecretToken.isEqual(token, dashboard.csrfToken) else {
            return "Refused: the form's CSRF token is missing or stale; reload the page and try again."
        }
        return nil
    }

    /// Whether the request carries basic-auth credentials with this password (any user name).
    static func isAuthorized(_ request: Request, password: String) -> Bool {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        else { return false }
        return SecretToken.isEqual(credentials[credentials.index(after: colon)...], password)
    }

    /// Adds the headers every response carries; a page's own Content-Security-Policy (with its nonce)
    /// is kept, any other response gets one that allows nothing.
    static func secured(_ response: Response) -> Response {
        var response = response
        response.headers[HTTPFields.Element.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPFields.Element.Name("Referrer-Policy")!] = "same-origin"
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
