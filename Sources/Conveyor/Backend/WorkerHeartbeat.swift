/// What a worker publishes every few seconds, in Sidekiq's process-registry shape, plus the lease that
/// keeps its private lists its own.
public struct WorkerHeartbeat: Sendable, Equatable {
    /// `hostname:pid:random-hex`.
    public var identity: String
    /// The process description (Sidekiq's `info` JSON: hostname, pid, queues, concurrency, …).
    public var info: JSONObject
    /// Jobs running now.
    public var busy: Int
    /// Whether the worker has stopped fetching.
    public var isQuiet: Bool
    /// Resident set size in kilobytes.
    public var residentKilobytes: Int
    /// The running jobs, keyed by a per-job field name, as Sidekiq's `IDENTITY:workers` hash.
    public var runningJobs: [String: JSONObject]
    /// How long this beat keeps the worker alive, in seconds: the worker's own `--stale-after`. The
    /// backend expires the lease by its own clock, and crash recovery takes over the worker's private
    /// lists only once it has expired, so each worker sets the rule it is judged by and no two clocks
    /// are compared.
    public var leaseDuration: Double
    /// Whether this is the worker's first beat: a lease that does not exist yet was not lost.
    public var isFirst: Bool

    /// The process-registry entry's time to live in seconds: Sidekiq's 60, or the lease when longer, so
    /// the entry never expires between two beats of a live worker.
    public var timeToLive: Int {
        max(60, Int(min(leaseDuration, Double(Int32.max)).rounded(.up)))
    }

    /// Creates a heartbeat. `leaseDuration` defaults to 30 s, ``RecoveryPolicy/defaultStaleHeartbeatAge``.
    public init(
        identity: String, info: JSONObject, busy: Int, isQuiet: Bool, residentKilobytes: Int,
        runningJobs: [String: JSONObject], leaseDuration: Double = 30,
        isFirst: Bool = false
    ) {
        self.identity = identity
        self.info = info
        self.busy = busy
        self.isQuiet = isQuiet
        self.residentKilobytes = residentKilobytes
        self.runningJobs = runningJobs
        self.leaseDuration = leaseDuration
        self.isFirst = isFirst
    }
}

/// What the backend answered to a heartbeat.
public struct HeartbeatReply: Sendable, Equatable {
    /// The signal an administrator sent the worker, popped with the beat, if any.
    public var signal: WorkerSignal?
    /// Whether the worker's lease had expired before this beat renewed it: the worker was frozen or
    /// cut off for longer than its lease, and other workers may have recovered (and started again) the
    /// jobs it is running. Always false on a beat marked ``WorkerHeartbeat/isFirst``.
    public var hadLostLease: Bool

    /// Creates a reply.
    public init(signal: WorkerSignal? = nil, hadLostLease: Bool = false) {
        self.signal = signal
        self.hadLostLease = hadLostLease
    }
}
