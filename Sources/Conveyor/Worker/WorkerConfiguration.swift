/// How a worker runs.
public struct WorkerConfiguration: Sendable {
    /// The queues served and their order.
    public var queues: QueueSelection
    /// The most jobs running at once, and so the most held in the private list. Default 10.
    public var concurrency: Int
    /// Seconds to wait for running jobs on shutdown before cancelling them and requeueing their jobs.
    /// Default 25, as Sidekiq.
    public var shutdownTimeout: Double
    /// Seconds one blocking fetch waits when the queues are empty; at most 2 so a stop is noticed quickly.
    public var fetchTimeout: Double
    /// Seconds between heartbeats. Default 5, as Sidekiq 6.
    public var heartbeatInterval: Double
    /// Seconds between checks for private lists of dead workers to recover.
    public var recoveryInterval: Double
    /// A label shown in the process registry (Sidekiq's `tag`).
    public var tag: String
    /// The average seconds between promotions of due scheduled and retry jobs *per live process*:
    /// each worker polls about every `scheduledPollInterval × live processes` seconds (randomized), so
    /// the cluster as a whole polls about this often however many workers run. Default 1, so a due job
    /// starts within about a second.
    public var scheduledPollInterval: Double
    /// When a worker counts as dead for crash recovery and when a job is a poison pill.
    public var recoveryPolicy: RecoveryPolicy
    /// Called when a failed job goes to the dead set (retries exhausted), with the last error; not for
    /// `dead: false` jobs, which are dropped. Runs on the worker's loop thread: keep it short.
    public var onDeath: (@Sendable (Job, any Error) async -> Void)?
    /// For tests: when set, every failed job is retried after this many seconds instead of its class's
    /// own delay or Sidekiq's growing one (`conveyor-worker --retry-delay`).
    public var retryDelayOverride: Double?

    /// The most jobs one worker runs at once. Each slot holds a job and its task's memory, and a drain
    /// of a million slots peaked at 7 GB; 10,000 is far beyond what one process serves usefully (run
    /// more processes instead).
    public static let maximumConcurrency = 10_000

    /// The longest interval or timeout a worker accepts, in seconds (one year). Longer values, up to
    /// `1e300` or infinity, would overflow `Duration` where the worker sleeps; the initializer clamps
    /// to this and the `conveyor-worker` flags refuse more.
    public static let maximumInterval: Double = 365 * 86_400

    /// Creates a configuration. Intervals and timeouts are clamped to 0 … ``maximumInterval`` (NaN
    /// counts as 0); `concurrency` must be within 1 … ``maximumConcurrency``.
    public init(
        queues: QueueSelection = QueueSelection(strict: [Job.defaultQueue]),
        concurrency: Int = 10,
        shutdownTimeout: Double = 25,
        fetchTimeout: Double = 2,
        heartbeatInterval: Double = 5,
        recoveryInterval: Double = 15,
        tag: String = "",
        scheduledPollInterval: Double = 1,
        recoveryPolicy: RecoveryPolicy = RecoveryPolicy(),
        onDeath: (@Sendable (Job, any Error) async -> Void)? = nil,
        retryDelayOverride: Double? = nil
    ) {
        precondition((1...Self.maximumConcurrency).contains(concurrency), "A worker needs a concurrency from 1 to \(Self.maximumConcurrency), not \(concurrency).")
        self.queues = queues
        self.concurrency = concurrency
        self.shutdownTimeout = Self.clamped(shutdownTimeout)
        self.fetchTimeout = min(2, max(0.01, Self.clamped(fetchTimeout)))
        self.heartbeatInterval = max(0.001, Self.clamped(heartbeatInterval))
        self.recoveryInterval = max(0.01, Self.clamped(recoveryInterval))  // 0 would make recovery spin
        self.tag = tag
        self.scheduledPollInterval = max(0.01, Self.clamped(scheduledPollInterval))
        self.recoveryPolicy = recoveryPolicy
        self.onDeath = onDeath
        self.retryDelayOverride = retryDelayOverride.map(Self.clamped)
    }

    /// Seconds within 0 … ``maximumInterval``; NaN becomes 0.
    static func clamped(_ seconds: Double) -> Double {
        seconds.isNaN ? 0 : min(max(0, seconds), maximumInterval)
    }
}
