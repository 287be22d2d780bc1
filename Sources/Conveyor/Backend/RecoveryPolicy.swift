/// When a worker counts as dead for crash recovery, and when a job it held counts as a poison pill.
public struct RecoveryPolicy: Sendable, Equatable {
    /// A job recovered from crashed workers more than this many times goes to the dead set instead of
    /// its queue: it is likely what crashes them. Default 3.
    public var maximumRecoveries: Int
    /// A worker whose last `beat` is older than this many seconds counts as dead even while its
    /// heartbeat key (60 s TTL) has not expired yet, so its jobs are recovered within about a minute.
    /// Default 30 (six missed 5 s beats).
    public var staleHeartbeatAge: Double

    /// Creates a policy.
    public init(maximumRecoveries: Int = 3, staleHeartbeatAge: Double = 30) {
        self.maximumRecoveries = maximumRecoveries
        self.staleHeartbeatAge = staleHeartbeatAge
    }
}
