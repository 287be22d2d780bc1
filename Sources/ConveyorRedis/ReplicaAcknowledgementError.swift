import Conveyor

/// A push the master took but fewer replicas than `wait_replicas=N` confirmed in time: it may be lost
/// if the master fails before it replicates, so the caller should push it again.
public struct ReplicaAcknowledgementError: Error, Sendable, Equatable, CustomStringConvertible, BackendFailureClassifying {
    /// How many commands the push sent before its `WAIT`.
    public let jobCommands: Int
    /// How many replicas confirmed the push.
    public let confirmed: Int
    /// How many the URL asked for.
    public let wanted: Int
    /// How long the push waited for them.
    public let seconds: Double

    public var description: String {
        "The Redis master took the push, but only \(confirmed) of the \(wanted) replicas asked for (wait_replicas=\(wanted)) confirmed it within \(seconds) s; if the master fails now it may be lost. Push the same jobs again to be sure (a job pushed twice runs twice)."
    }

    /// Transient: a replica that is resynchronising, or a failover under way.
    public var backendFailureKind: BackendFailureKind { .transient }
}
