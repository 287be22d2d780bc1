/// Why the metrics server cannot serve: each case says what to do about it.
public enum MetricsServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host is not a numeric IPv4 or IPv6 address.
    case invalidAddress(String)
    /// The port is outside 0 … 65535.
    case invalidPort(Int)
    /// Another socket already listens on the address (`EADDRINUSE`).
    case addressInUse(String)
    /// No interface of this machine has the address (`EADDRNOTAVAIL`).
    case addressNotAvailable(String)
    /// The port needs privileges this process lacks (`EACCES`: ports below 1024).
    case permissionDenied(String)
    /// Another system call failed.
    case systemCall(String, address: String, message: String)

    public var description: String {
        switch self {
        case .invalidAddress(let host):
            "'\(host)' is not an IP address to serve metrics on; give a numeric IPv4 or IPv6 address such as 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or ::1."
        case .invalidPort(let port):
            "\(port) is not a TCP port to serve metrics on; give one from 1 to 65535 (or 0 for any free port)."
        case .addressInUse(let address):
            "Cannot serve metrics on \(address): another process already listens on that port. Choose another port, or stop the process that holds it (`ss -ltnp` names it)."
        case .addressNotAvailable(let address):
            "Cannot serve metrics on \(address): no network interface of this machine has that address. Give one of its own addresses, 127.0.0.1 or 0.0.0.0."
        case .permissionDenied(let address):
            "Cannot serve metrics on \(address): ports below 1024 need root or CAP_NET_BIND_SERVICE. Choose a port from 1024 up (9394 is a common one)."
        case .systemCall(let call, let address, let message):
            "Cannot serve metrics on \(address): \(call) failed: \(message)."
        }
    }
}
