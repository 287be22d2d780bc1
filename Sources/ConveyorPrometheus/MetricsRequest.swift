/// What the metrics server makes of the bytes a client sent: only the request line matters, since the
/// server has one resource and answers every request with `Connection: close`.
enum MetricsRequest: Equatable {
    /// The head has not ended yet; read more.
    case incomplete
    /// The head is longer than ``maximumHeadBytes``.
    case tooLarge
    /// The request line is not `METHOD TARGET HTTP/1.x`.
    case malformed
    /// A request for `path` (the target without its query).
    case request(method: String, path: String)

    /// The most bytes a request head may take: a scraper sends about 200, and a limit keeps a client
    /// that never stops sending from growing the buffer.
    static let maximumHeadBytes = 8192

    /// Reads `bytes`, everything received so far.
    static func parse(_ bytes: [UInt8]) -> MetricsRequest {
        guard let end = headEnd(in: bytes) else {
            return bytes.count >= maximumHeadBytes ? .tooLarge : .incomplete
        }
        guard end <= maximumHeadBytes else { return .tooLarge }
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")) ?? end
        let parts = bytes[..<lineEnd].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].first == UInt8(ascii: "/"),
              parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8) else {
            return .malformed
        }
        let target = parts[1]
        let path = target[..<(target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)]
        return .request(method: String(decoding: parts[0], as: UTF8.self), path: String(decoding: path, as: UTF8.self))
    }

    /// The index just past the blank line that ends the head, if it has arrived.
    private static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            return index + 1
        }
        return nil
    }
}
