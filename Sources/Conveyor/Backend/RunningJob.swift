/// A job a worker process is running, as its last heartbeat listed it (Sidekiq's `IDENTITY:workers`
/// hash: `queue`, `payload`, `run_at`).
public struct RunningJob: Sendable, Equatable {
    /// The process running it.
    public let identity: String
    /// The queue it came from.
    public let queue: String
    /// The job as fetched.
    public let payload: [UInt8]
    /// When it started (epoch seconds).
    public let runAt: Double

    /// Creates a running job.
    public init(identity: String, queue: String, payload: [UInt8], runAt: Double) {
        self.identity = identity
        self.queue = queue
        self.payload = payload
        self.runAt = runAt
    }

    /// Reads one entry of a heartbeat's running jobs; `nil` when it has no payload.
    public init?(identity: String, work: JSONObject) {
        guard let payload = work["payload"]?.stringValue else { return nil }
        self.init(
            identity: identity, queue: work["queue"]?.stringValue ?? "", payload: Array(payload.utf8),
            runAt: work["run_at"]?.doubleValue ?? 0
        )
    }
}
