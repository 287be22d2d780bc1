import Conveyor
import Hummingbird

/// The frame around every page: the header with the navigation and each set's size, the inline
/// style and script under a fresh nonce, and the Content-Security-Policy that allows only those.
struct PageLayout {
    /// Where the navigation points: one of `/`, `/busy`, `/queues`, `/retries`, `/scheduled`, `/dead`.
    let section: String
    /// The page's title, already plain text (escaped here).
    let title: String
    /// The page's HTML, every value in it already escaped.
    let body: String
    /// The sizes shown next to the navigation links.
    let statistics: BackendStatistics?

    func response(_ dashboard: Dashboard, status: HTTPResponse.Status = .ok) -> Response {
        let nonce = SecretToken.random(bytes: 16)
        let links: [(String, String, Int?)] = [
            ("/", "Overview", nil), ("/busy", "Busy", statistics?.processes), ("/queues", "Queues", statistics?.enqueued),
            ("/retries", "Retries", statistics?.retries), ("/scheduled", "Scheduled", statistics?.scheduled), ("/dead", "Dead", statistics?.dead),
        ]
        let navigation = links.map { path, label, count in
            let badge = count.map { "<span class=\"n\">\(HTML.count($0))</span>" } ?? ""
            return "<a href=\"\(HTML.escape(dashboard.path(path)))\"\(path == section ? " class=\"active\"" : "")>\(label)\(badge)</a>"
        }.joined()
        let html = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>\(HTML.escape(title)) · Conveyor</title><style nonce="\(nonce)">\(DashboardStyle.css)</style></head>
        <body\(dashboard.isReadOnly ? " class=\"read-only\"" : "")><header><a class="brand" href="\(HTML.escape(dashboard.path("/")))">Conveyor</a><nav>\(navigation)</nav></header>
        <main><h1>\(HTML.escape(title))</h1>\(body)</main><footer>Conveyor dashboard · Sidekiq-compatible data</footer>
        <script nonce="\(nonce)">\(DashboardScript.javaScript)</script></body></html>
        """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'nonce-\(nonce)'; script-src 'nonce-\(nonce)'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
