#if canImport(Glibc)
import Glibc
#endif

/// A numeric IP address and a TCP port to listen on, checked before anything binds, so a typo is
/// reported as one rather than as a failed system call.
public struct BindAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address as given, without brackets.
    public let host: String
    /// The port; 0 lets the kernel choose a free one (``MetricsServer/port`` tells which).
    public let port: Int
    /// Whether the host is an IPv6 address.
    public let isIPv6: Bool

    /// Parses `host`, a numeric IPv4 (`127.0.0.1`, `0.0.0.0`) or IPv6 (`::1`, `[::1]`, `::`) address;
    /// names such as `localhost` are refused, since resolving them could pick an address nobody meant.
    public init(host: String, port: Int) throws(MetricsServerError) {
        var bare = host
        if bare.hasPrefix("["), bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
        guard (0...65_535).contains(port) else { throw .invalidPort(port) }
        var ipv4 = in_addr(), ipv6 = in6_addr()
        if inet_pton(AF_INET, bare, &ipv4) == 1 {
            isIPv6 = false
        } else if inet_pton(AF_INET6, bare, &ipv6) == 1 {
            isIPv6 = true
        } else {
            throw .invalidAddress(host)
        }
        self.host = bare
        self.port = port
    }

    /// `127.0.0.1:9394`, `[::1]:9394`.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with the socket address, for `bind`.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        _ = inet_pton(AF_INET, host, &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
