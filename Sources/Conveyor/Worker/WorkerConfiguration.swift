/// How a worker runs. The settings that must hold together are checked by the initializer and read-only
/// afterwards, so a worker never runs with a setting it was not checked for.
public struct WorkerConfiguration: Sendable {
    /// The queues served and their order.
    public private(set) var queues: QueueSelection
    /// The most jobs running at once, and so the most held in the private list. Default 10.
    public private(set) var concurrency: Int
    /// Seconds to wait for running jobs on shutdown before cancelling them and requeueing their jobs.
    /// Default 25, as Sidekiq.
    public private(set) var shutdownTimeout: Double
    /// Seconds one blocking fetch waits when the queues are empty; at most 2 so a stop is noticed quickly.
    public private(set) var fetchTimeout: Double
    /// Seconds between heartbeats. Default 5, as Sidekiq 6.
    public private(set) var heartbeatInterval: Double
    /// Seconds between checks for private lists of dead workers to recover.
    public private(set) var recoveryInterval: Double
    /// A label shown in the process registry (Sidekiq's `tag`).
    public var tag: String
    /// The average seconds between promotions of due scheduled and retry jobs *per live process*:
    /// each worker polls about every `scheduledPollInterval × live processes` seconds (randomized), so
    /// the cluster as a whole polls about this often however many workers run. Default 1, so a due job
    /// starts within about a second.
    public private(set) var scheduledPollInterval: Double
    /// When a worker counts as dead for crash recovery and when a job is a poison pill.
    public private(set) var recoveryPolicy: RecoveryPolicy
    /// Called when a failed job goes to the dead set (retries exhausted), with the last error; not for
    /// `dead: false` jobs, which are dropped. Runs on the worker's loop thread: keep it short.
    public var onDeath: (@Sendable (Job, any Error) async -> Void)?
    /// For tests: when set, every failed job is retried after this many seconds instead of its class's
    /// own delay or Sidekiq's growing one (`conveyor-worker --retry-delay`).
    public private(set) var retryDelayOverride: Double?

    /// The most jobs one worker runs at once. Each slot holds a job and its task's memory, and a drain
    /// of a million slots peaked at 7 GB; 10,000 is far beyond what one process serves usefully (run
    /// more processes instead).
    public static let maximumConcurrency = 10_000

    /// The longest interval or timeout a worker accepts, in seconds (one year). Longer values, up to
    /// `1e300` or infinity, would overflow `Duration` where the worker sleeps; the initializer clamps
    /// to this and the `conveyor-worker` flags refuse more.
    public static let maximumInterval: Double = 365 * 86_400

    /// Creates a configuration, refusing settings a worker cannot run with: a concurrency outside
    /// 1 … ``maximumConcurrency``, a negative, infinite or NaN interval or one beyond
    /// ``maximumInterval``, a lease (`recoveryPolicy.staleHeartbeatAge`) not longer than the heartbeat
    /// interval, no queue.
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
    ) throws(WorkerConfigurationError) {
        guard !queues.names.isEmpty else {
            throw WorkerConfigurationError(setting: .queues, rule: "must name at least one queue to serve.")
        }
        guard (1...Self.maximumConcurrency).contains(concurrency) else {
            throw WorkerConfigurationError(setting: .concurrency, rule: "must be from 1 to \(Self.maximumConcurrency), not \(concurrency): every slot holds a job and its memory, and a worker with a million slots used 7 GB. Run more worker processes for more throughput.")
        }
        let intervals: [(WorkerConfigurationError.Setting, Double, mayBeZero: Bool)] = [
            (.shutdownTimeout, shutdownTimeout, true), (.heartbeatInterval, heartbeatInterval, false),
            (.staleHeartbeatAge, recoveryPolicy.staleHeartbeatAge, false), (.recoveryInterval, recoveryInterval, false),
            (.scheduledPollInterval, scheduledPollInterval, false), (.retryDelayOverride, retryDelayOverride ?? 0, true),
        ]
        for (setting, seconds, mayBeZero) in intervals {
            // Every interval ends up in a Duration; one beyond a year (or inf, NaN) would overflow it.
            guard seconds.isFinite, seconds <= Self.maximumInterval else {
                throw WorkerConfigurationError(setting: setting, rule: "must be a number of seconds up to \(Int(Self.maximumInterval)) (one year), not \(seconds).")
            }
            guard mayBeZero ? seconds >= 0 : seconds > 0 else {
                throw WorkerConfigurationError(setting: setting, rule: "must be \(mayBeZero ? "0 or more" : "more than 0") seconds, not \(seconds).")
            }
        }
        guard recoveryPolicy.staleHeartbeatAge > heartbeatInterval else {
            throw WorkerConfigurationError(setting: .staleHeartbeatAge, rule: "(\(recoveryPolicy.staleHeartbeatAge) s) must be longer than the heartbeat interval (\(heartbeatInterval) s), or the worker would count as dead between its own beats; 3 times longer or more is safe.")
        }
        self.queues = queues
        self.concurrency = concurrency
        self.shutdownTimeout = shutdownTimeout
        self.fetchTimeout = min(2, max(0.01, fetchTimeout.isNaN ? 2 : fetchTimeout))
        self.heartbeatInterval = heartbeatInterval
        self.recoveryInterval = recoveryInterval
        self.tag = tag
        self.scheduledPollInterval = scheduledPollInterval
        self.recoveryPolicy = recoveryPolicy
        self.onDeath = onDeath
        self.retryDelayOverride = retryDelayOverride
    }

    /// Seconds within 0 … ``maximumInterval``; NaN becomes 0. For values that come from outside the
    /// configuration (a process count, a job's own delay), which are clamped rather than refused.
    static func clamped(_ seconds: Double) -> Double {
        seconds.isNaN ? 0 : min(max(0, seconds), maximumInterval)
    }

    /// The defaults: queue `default`, 10 at once, Sidekiq's timings.
    public static var defaults: WorkerConfiguration {
        // The default values pass every check above.
        try! WorkerConfiguration()
    }
}
