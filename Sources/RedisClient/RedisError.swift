/// Everything that can go wrong talking to Redis, with what a person needs to act on it.
///
/// Messages say what happened (the address, the command, what Redis said) in the library's own terms,
/// URLs rather than the flags or environment variables an executable reads them from: executables add
/// that advice when they print the error.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be parsed; `reason` says what to change.
    case invalidURL(String, reason: String)
    /// The TLS connection (`rediss://`) could not be set up: a certificate file, the server's
    /// certificate or the handshake; `failure` says which.
    case tlsFailed(address: String, failure: RedisTLSFailure)
    /// A plain (`redis://`) connection was dropped, or answered with a TLS alert, before the server sent
    /// any Redis reply: how a Redis that expects TLS treats a client that does not speak it.
    case serverExpectsTLS(address: String, message: String)
    /// The TCP or Unix connection could not be made.
    case connectionFailed(address: String, message: String)
    /// No sentinel of a `redis+sentinel://` URL could say where the master is; `failures` says, for
    /// each sentinel, why not (unreachable, refused the credentials, not yet aware of a failover).
    case sentinelsUnavailable(masterName: String, failures: String)
    /// The sentinels are failing the master over: those that answered name the master being replaced,
    /// which must not be written to, and none names the new one yet. It clears within seconds.
    case failoverUnderWay(masterName: String, failures: String)
    /// The sentinels answered, and none of them monitors a master of that name.
    case unknownMaster(masterName: String, sentinels: String)
    /// The server rejected the credentials, or demanded some that were not given.
    case authenticationFailed(address: String, message: String)
    /// No reply arrived within the command timeout; the connection was dropped.
    case timeout(command: String, seconds: Double)
    /// The server answered the command with an error reply.
    case errorReply(command: String, message: String)
    /// The bytes on the wire were not valid RESP, or hiredis failed internally.
    case protocolError(command: String, message: String)
    /// The connection broke while the command was in flight: it may or may not have run.
    case connectionLost(command: String, message: String)
    /// The client was closed before the command was sent (a command already sent when the client
    /// closes fails with ``connectionLost(command:message:)``: it may have run).
    case clientClosed(command: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            "The Redis URL '\(Self.redacted(url))' is not valid: \(reason)."
        case .tlsFailed(let address, let failure):
            "Could not connect to Redis at \(address) over TLS: \(failure)."
        case .serverExpectsTLS(let address, let message):
            "Redis at \(address) ended the connection without a Redis reply (\(Self.withoutFinalPeriod(message))), as a server that expects TLS does; if it does, connect with a rediss:// URL."
        case .connectionFailed(let address, let message):
            "Could not connect to Redis at \(address): \(Self.withoutFinalPeriod(message))."
        case .sentinelsUnavailable(let masterName, let failures):
            "No sentinel could say where the Redis master '\(masterName)' is: \(Self.withoutFinalPeriod(failures))."
        case .failoverUnderWay(let masterName, let failures):
            "The sentinels are failing the Redis master '\(masterName)' over and none names the new master yet: \(Self.withoutFinalPeriod(failures))."
        case .unknownMaster(let masterName, let sentinels):
            "No sentinel at \(sentinels) monitors a master named '\(masterName)'; put the name from their 'sentinel monitor NAME host port quorum' line after the sentinels in the URL, like redis+sentinel://host1:26379,host2:26379/NAME/0."
        case .authenticationFailed(let address, let message):
            "Redis at \(address) refused the credentials: \(Self.withoutFinalPeriod(message)). Put the right password in the URL, like redis://:PASSWORD@host:port/0 (or redis://USER:PASSWORD@… for an ACL user)."
        case .timeout(let command, let seconds):
            "Redis did not answer \(command) within \(Self.format(seconds)) seconds; the connection was closed and will be reopened."
        case .errorReply(let command, let message):
            "Redis answered \(command) with an error: \(message)"
        case .protocolError(let command, let message):
            "Redis protocol error during \(command): \(message)"
        case .connectionLost(let command, let message):
            "The connection to Redis was lost during \(command) (\(message)); the command may or may not have run."
        case .clientClosed(let command):
            "The Redis client was closed before \(command) could be sent."
        }
    }

    /// Whether the error came from the network rather than from the command: the caller may retry
    /// after a reconnect.
    public var isConnectionError: Bool {
        switch self {
        case .connectionFailed, .timeout, .connectionLost, .protocolError, .sentinelsUnavailable, .failoverUnderWay: true
        default: false
        }
    }

    /// Hides the password in a URL before it is shown anywhere: the user-info part and any
    /// `password=` query parameter.
    static func redacted(_ url: String) -> String {
        var result = url
        if let schemeEnd = result.firstRange(of: "://"), let at = result[schemeEnd.upperBound...].lastIndex(of: "@") {
            let userInfo = result[schemeEnd.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                result = result[..<colon] + ":***" + result[at...]
            } else {
                result = result[..<schemeEnd.upperBound] + "***" + result[at...]
            }
        }
        if let mark = result.firstIndex(of: "?") {
            let query = result[result.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                if pair.hasPrefix("password=") { return "password=***" }
                if pair.hasPrefix("sentinel_password=") { return "sentinel_password=***" }
                return String(pair)
            }
            result = result[...mark] + query.joined(separator: "&")
        }
        return result
    }

    /// Server messages often end with a period; ours add their own sentence after them.
    private static func withoutFinalPeriod(_ message: String) -> String {
        message.hasSuffix(".") ? String(message.dropLast()) : message
    }

    /// Seconds as people write them: `10`, `0.5`.
    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
