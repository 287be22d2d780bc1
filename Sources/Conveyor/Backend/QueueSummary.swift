/// A queue's size, latency and paused state, as a dashboard or `conveyor stats` shows them.
public struct QueueSummary: Sendable, Equatable {
    /// The queue's name.
    public let name: String
    /// How many jobs wait in it.
    public let size: Int
    /// How long its oldest waiting job has waited: now minus that job's `enqueued_at`, as Sidekiq's
    /// `Queue#latency`. Zero for an empty queue, and for a next job that is not a job or carries no
    /// `enqueued_at`, since neither says how long it waited.
    public let latency: Duration
    /// Whether workers skip the queue (`conveyor queue pause`).
    public let isPaused: Bool

    /// Creates a summary.
    public init(name: String, size: Int, latency: Duration, isPaused: Bool = false) {
        self.name = name
        self.size = size
        self.latency = latency
        self.isPaused = isPaused
    }

    /// The latency of a queue whose next job is `payload`, at `now` (epoch seconds). Never negative,
    /// so a producer whose clock runs ahead does not make a queue look younger than empty.
    public static func latency(ofNext payload: [UInt8]?, now: Double) -> Duration {
        guard let payload, let enqueuedAt = (try? Job(json: payload))?.enqueuedAt else { return .zero }
        let seconds = now - enqueuedAt
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .seconds(min(seconds, 1e9))
    }
}
