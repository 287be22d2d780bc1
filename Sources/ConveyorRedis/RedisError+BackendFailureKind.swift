import Conveyor
import RedisClient

extension RedisError: BackendFailureClassifying {
    /// Network trouble and a server that is loading, failing over or busy are transient; `OOM` may
    /// clear as workers drain; a missing permission (`NOPERM`), a Conveyor key of the wrong type
    /// (`WRONGTYPE`), a disabled or renamed command and refused credentials never clear by retrying.
    public var backendFailureKind: BackendFailureKind {
        switch self {
        case .connectionFailed, .timeout, .connectionLost, .protocolError, .clientClosed, .sentinelsUnavailable:
            return .transient
        case .unknownMaster:
            // The sentinels forgot the name (reset, or monitoring removed): an operator must act, but
            // they may add it back, so the worker keeps trying and says so as an error.
            return .lasting
        case .invalidURL, .tlsUnsupported, .authenticationFailed:
            return .fatal
        case .errorReply(_, let message):
            // Script errors wrap the command's error ("ERR Error running script …: WRONGTYPE …").
            // Conveyor's scripts compile on Redis 7; a compile error means an older server, which
            // rejects their `#!lua flags=allow-oom` line.
            let fatalMarkers = ["NOPERM", "WRONGTYPE", "NOAUTH", "WRONGPASS", "unknown command", "NOSCRIPT", "Error compiling script"]
            if fatalMarkers.contains(where: message.contains) { return .fatal }
            let transientPrefixes = ["LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "UNBLOCKED", "NOREPLICAS"]
            if transientPrefixes.contains(where: message.hasPrefix) { return .transient }
            return .lasting
        }
    }
}
