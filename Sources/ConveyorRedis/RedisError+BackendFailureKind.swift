import Conveyor
import RedisClient

extension RedisError: BackendFailureClassifying {
    /// Network trouble and a server that is loading, failing over or busy are transient; `OOM` may
    /// clear as workers drain; a missing permission (`NOPERM`), a Conveyor key of the wrong type
    /// (`WRONGTYPE`), a disabled or renamed command and refused credentials never clear by retrying.
    public var backendFailureKind: BackendFailureKind {
        switch self {
        case .connectionFailed, .timeout, .connectionLost, .protocolError, .clientClosed, .serverExpectsTLS, .sentinelsUnavailable, .failoverUnderWay:
            // A reset on a reconnect's first command is also what a restarting server looks like.
            return .transient
        case .unknownMaster:
            // The sentinels forgot the name (reset, or monitoring removed): an operator must act, but
            // they may add it back, so the worker keeps trying and says so as an error.
            return .lasting
        case .invalidURL, .authenticationFailed:
            return .fatal
        case .tlsFailed(_, let failure):
            // Certificates are renewed and servers fixed while workers wait; a missing file is not.
            switch failure {
            case .fileUnusable, .incompleteClientIdentity: return .fatal
            default: return .transient
            }
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
