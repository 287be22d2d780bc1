import ConveyorSupport
import ConveyorTestKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare HTTP/1.1 client over a loopback TCP socket, for tests of servers that answer with
/// `Connection: close` (the metrics endpoint): it sends the request bytes as given, so a test can also
/// send what no proper client would, and reads until the server closes.
public enum HTTPTestClient {
    /// A response as received.
    public struct Response: Sendable {
        /// The status code, e.g. 200.
        public let status: Int
        /// The header fields, names lower-cased.
        public let headers: [String: String]
        /// The body as text.
        public let body: String
    }

    /// Sends `GET path` to `127.0.0.1:port`.
    public static func get(_ path: String, port: Int, timeout: Double = 10) async throws -> Response {
        try await send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: conveyor-tests\r\n\r\n".utf8), port: port, timeout: timeout)
    }

    /// Sends `request` verbatim to `127.0.0.1:port` and reads the response until the server closes
    /// the connection. Runs on a thread of its own, so a slow server never blocks the cooperative pool.
    public static func send(_ request: [UInt8], port: Int, timeout: Double = 10) async throws -> Response {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], TestKitError>, Never>) in
            // Resumed exactly once, by the thread, when the exchange ends either way.
            _ = NamedThread.start(name: "test-http") {
                continuation.resume(returning: exchange(request, port: port, timeout: timeout))
            }
        }
        return try parse(result.get())
    }

    private static func exchange(_ request: [UInt8], port: Int, timeout: Double) -> Result<[UInt8], TestKitError> {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return .failure(TestKitError("socket() failed")) }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return .failure(TestKitError("Cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")) }
        var offset = 0
        while offset < request.count {
            let written = request.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            // The server may answer (431) and close before reading everything: read what it said.
            if written <= 0 { break }
            offset += written
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && response.isEmpty { return .failure(TestKitError("No response from 127.0.0.1:\(port): \(String(cString: strerror(errno)))")) }
            if count <= 0 { break }
            response += chunk[..<count]
        }
        return .success(response)
    }

    private static func parse(_ bytes: [UInt8]) throws -> Response {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestKitError("Not an HTTP response: \(text.prefix(200))") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw TestKitError("Not an HTTP status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
