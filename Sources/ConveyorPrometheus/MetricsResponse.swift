/// A complete HTTP/1.1 response of the metrics server, as bytes to send.
struct MetricsResponse {
    let status: Int
    let reason: String
    let contentType: String
    let body: [UInt8]
    var extraHeaders: [(String, String)] = []
    /// For `HEAD`: the headers say the body's length, and the body is not sent.
    var omitsBody = false

    /// Prometheus's text exposition format, version 0.0.4.
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The answer to `request`; `metrics` renders the registry, called only for a `GET` or `HEAD` of
    /// `/metrics`.
    static func answering(_ request: MetricsRequest, metrics: () -> [UInt8]) -> MetricsResponse {
        switch request {
        case .incomplete, .malformed:
            return text(400, "Bad Request", "The request line must be 'GET /metrics HTTP/1.1'.\n")
        case .tooLarge:
            return text(431, "Request Header Fields Too Large", "The request head is longer than \(MetricsRequest.maximumHeadBytes) bytes.\n")
        case .request(_, let path) where path != "/metrics":
            return text(404, "Not Found", "Not found: metrics are served at /metrics.\n")
        case .request(let method, _) where method != "GET" && method != "HEAD":
            var response = text(405, "Method Not Allowed", "Only GET (and HEAD) are served at /metrics.\n")
            response.extraHeaders = [("Allow", "GET, HEAD")]
            return response
        case .request(let method, _):
            return MetricsResponse(status: 200, reason: "OK", contentType: metricsContentType, body: metrics(), omitsBody: method == "HEAD")
        }
    }

    private static func text(_ status: Int, _ reason: String, _ body: String) -> MetricsResponse {
        MetricsResponse(status: status, reason: reason, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
    }

    /// The status line, headers and body.
    var bytes: [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (omitsBody ? [] : body)
    }
}
