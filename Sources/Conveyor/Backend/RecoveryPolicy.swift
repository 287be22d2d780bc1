/// When a worker counts as dead for crash recovery, and when a job it held counts as a poison pill.
public struct RecoveryPolicy: Sendable, Equatable {
    /// The default ``staleHeartbeatAge``: six missed 5 s beats.
    public static let defaultStaleHeartbeatAge: Duration = .seconds(30)

    /// A job recovered from crashed workers more than this many times goes to the dead set instead of
    /// its queue: it is likely what crashes them. Default 3.
    public var maximumRecoveries: Int
    /// The lease each heartbeat of this worker renews, in seconds: once this long passes without a beat
    /// (by the backend's clock, not any worker's), the worker counts as dead and others recover its
    /// jobs. Must exceed the heartbeat interval. Also the stale age for the beats of workers from
    /// before leases. Default 30 s.
    public var staleHeartbeatAge: Duration {
        get { .seconds(staleHeartbeatSeconds) }
        set { staleHeartbeatSeconds = newValue.inSeconds }
    }
    /// ``staleHeartbeatAge`` in seconds, as the backends' scripts take it.
    package private(set) var staleHeartbeatSeconds: Double

    /// Creates a policy.
    public init(maximumRecoveries: Int = 3, staleHeartbeatAge: Duration = defaultStaleHeartbeatAge) {
        self.maximumRecoveries = maximumRecoveries
        self.staleHeartbeatSeconds = staleHeartbeatAge.inSeconds
    }
}
