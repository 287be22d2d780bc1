/// How a worker runs. The settings that must hold together are checked by the initializer and read-only
/// afterwards, so a worker never runs with a setting it was not checked for.
public struct WorkerConfiguration: Sendable {
    /// The queues served and their order.
    public private(set) var queues: QueueSelection
    /// The most jobs running at once, and so the most held in the private list. Default 10.
    public private(set) var concurrency: Int
    /// How long to wait for running jobs on a graceful shutdown before cancelling them and requeueing
    /// their jobs. Default 25 s, as Sidekiq.
    public var shutdownTimeout: Duration { .seconds(shutdownSeconds) }
    /// How long one blocking fetch waits when the queues are empty; at most 2 s so a stop is noticed
    /// quickly.
    public var fetchTimeout: Duration { .seconds(fetchSeconds) }
    /// The time between heartbeats. Default 5 s, as Sidekiq 6.
    public var heartbeatInterval: Duration { .seconds(heartbeatSeconds) }
    /// The time between checks for private lists of dead workers to recover. Default 15 s.
    public var recoveryInterval: Duration { .seconds(recoverySeconds) }
    /// A label shown in the process registry (Sidekiq's `tag`).
    public var tag: String
    /// The average time between promotions of due scheduled and retry jobs *per live process*: each
    /// worker polls about every `scheduledPollInterval × live processes` (randomized), so the cluster as
    /// a whole polls about this often however many workers run. Default 1 s, so a due job starts within
    /// about a second.
    public var scheduledPollInterval: Duration { .seconds(scheduledPollSeconds) }
    /// When a worker counts as dead for crash recovery and when a job is a poison pill.
    public private(set) var recoveryPolicy: RecoveryPolicy
    /// Called when a failed job goes to the dead set (retries exhausted), with the last error; not for
    /// `dead: false` jobs, which are dropped. Runs on the worker's loop thread: keep it short.
    public var onDeath: (@Sendable (Job, any Error) async -> Void)?
    /// Jobs this worker pushes on a schedule (see ``PeriodicJob``). Any number of workers may run the
    /// same schedule: each tick is pushed exactly once. Empty by default.
    public var periodicJobs: [PeriodicJob] = []
    /// Concurrency limits by job class, over those of the registry's ``JobOptions``
    /// (`conveyor-worker --concurrency-limit CLASS=N`).
    public var concurrencyLimits: [String: ConcurrencyLimit] = [:]
    /// Rate limits by job class, over those of the registry's ``JobOptions``
    /// (`conveyor-worker --rate-limit CLASS=N/s`).
    public var rateLimits: [String: RateLimit] = [:]
    /// What runs around every job, in order, the first registered outermost (see ``JobMiddleware``).
    public var middleware: [any JobMiddleware]
    /// Whether and where the worker reports its metrics (see ``MetricsReporting``); nil, the default,
    /// reports none and costs nothing.
    public var metrics: MetricsReporting?
    /// For tests: when set, every failed job is retried after this long instead of its class's own
    /// delay or Sidekiq's growing one (`conveyor-worker --retry-delay`).
    public var retryDelayOverride: Duration? { retryDelayOverrideSeconds.map { .seconds($0) } }

    // The intervals in seconds, as the worker's deadline arithmetic and the backends use them.
    package private(set) var shutdownSeconds: Double
    package private(set) var fetchSeconds: Double
    package private(set) var heartbeatSeconds: Double
    package private(set) var recoverySeconds: Double
    package private(set) var scheduledPollSeconds: Double
    package private(set) var retryDelayOverrideSeconds: Double?

    /// The most jobs one worker runs at once. Each slot holds a job and its task's memory, and a drain
    /// of a million slots peaked at 7 GB; 10,000 is far beyond what one process serves usefully (run
    /// more processes instead).
    public static let maximumConcurrency = 10_000

    /// The longest interval or timeout a worker accepts: one year.
    public static let maximumInterval: Duration = .seconds(maximumIntervalSeconds)
    static let maximumIntervalSeconds: Double = 365 * 86_400

    /// Creates a configuration, refusing settings a worker cannot run with: a concurrency outside
    /// 1 … ``maximumConcurrency``, a negative interval or one beyond ``maximumInterval``, a lease
    /// (`recoveryPolicy.staleHeartbeatAge`) not longer than the heartbeat interval, no queue.
    public init(
        queues: QueueSelection = QueueSelection(strict: [Job.defaultQueue]),
        concurrency: Int = 10,
        shutdownTimeout: Duration = .seconds(25),
        fetchTimeout: Duration = .seconds(2),
        heartbeatInterval: Duration = .seconds(5),
        recoveryInterval: Duration = .seconds(15),
        tag: String = "",
        scheduledPollInterval: Duration = .seconds(1),
        recoveryPolicy: RecoveryPolicy = RecoveryPolicy(),
        onDeath: (@Sendable (Job, any Error) async -> Void)? = nil,
        middleware: [any JobMiddleware] = [],
        metrics: MetricsReporting? = nil,
        retryDelayOverride: Duration? = nil
    ) throws(WorkerConfigurationError) {
        guard !queues.names.isEmpty else {
            throw WorkerConfigurationError(setting: .queues, rule: "must name at least one queue to serve.")
        }
        guard (1...Self.maximumConcurrency).contains(concurrency) else {
            throw WorkerConfigurationError(setting: .concurrency, rule: "must be from 1 to \(Self.maximumConcurrency), not \(concurrency): every slot holds a job and its memory, and a worker with a million slots used 7 GB. Run more worker processes for more throughput.")
        }
        let intervals: [(WorkerConfigurationError.Setting, Double, mayBeZero: Bool)] = [
            (.shutdownTimeout, shutdownTimeout.inSeconds, true), (.heartbeatInterval, heartbeatInterval.inSeconds, false),
            (.staleHeartbeatAge, recoveryPolicy.staleHeartbeatSeconds, false), (.recoveryInterval, recoveryInterval.inSeconds, false),
            (.scheduledPollInterval, scheduledPollInterval.inSeconds, false), (.retryDelayOverride, retryDelayOverride?.inSeconds ?? 0, true),
        ]
        for (setting, seconds, mayBeZero) in intervals {
            try Self.check(seconds: seconds, for: setting, mayBeZero: mayBeZero)
        }
        guard recoveryPolicy.staleHeartbeatSeconds > heartbeatInterval.inSeconds else {
            throw WorkerConfigurationError(setting: .staleHeartbeatAge, rule: "(\(recoveryPolicy.staleHeartbeatAge.secondsDescription)) must be longer than the heartbeat interval (\(heartbeatInterval.secondsDescription)), or the worker would count as dead between its own beats; 3 times longer or more is safe.")
        }
        self.queues = queues
        self.concurrency = concurrency
        self.shutdownSeconds = shutdownTimeout.inSeconds
        self.fetchSeconds = min(2, max(0.01, fetchTimeout.inSeconds))
        self.heartbeatSeconds = heartbeatInterval.inSeconds
        self.recoverySeconds = recoveryInterval.inSeconds
        self.tag = tag
        self.scheduledPollSeconds = scheduledPollInterval.inSeconds
        self.recoveryPolicy = recoveryPolicy
        self.onDeath = onDeath
        self.middleware = middleware
        self.metrics = metrics
        self.retryDelayOverrideSeconds = retryDelayOverride?.inSeconds
    }

    /// Checks an interval given in seconds (a command-line flag, say) before it becomes a `Duration`,
    /// which cannot hold infinity or NaN and traps on them: finite, within 0 … ``maximumInterval``, and
    /// more than 0 unless `mayBeZero`.
    public static func check(seconds: Double, for setting: WorkerConfigurationError.Setting, mayBeZero: Bool) throws(WorkerConfigurationError) {
        // Every interval ends up in a Duration; one beyond a year (or inf, NaN) would overflow it.
        guard seconds.isFinite, seconds <= maximumIntervalSeconds else {
            throw WorkerConfigurationError(setting: setting, rule: "must be a number of seconds up to \(Int(maximumIntervalSeconds)) (one year), not \(seconds).")
        }
        guard mayBeZero ? seconds >= 0 : seconds > 0 else {
            throw WorkerConfigurationError(setting: setting, rule: "must be \(mayBeZero ? "0 or more" : "more than 0") seconds, not \(seconds).")
        }
    }

    /// Seconds within 0 … ``maximumInterval``; NaN becomes 0. For values that come from outside the
    /// configuration (a process count, a job's own delay), which are clamped rather than refused.
    static func clamped(_ seconds: Double) -> Double {
        seconds.isNaN ? 0 : min(max(0, seconds), maximumIntervalSeconds)
    }

    /// The defaults: queue `default`, 10 at once, Sidekiq's timings.
    public static var defaults: WorkerConfiguration {
        // The default values pass every check above.
        try! WorkerConfiguration()
    }
}
