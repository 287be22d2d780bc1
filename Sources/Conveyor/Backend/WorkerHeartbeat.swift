/// What a worker publishes every few seconds, in Sidekiq's process-registry shape.
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
    /// How long the heartbeat stays valid without renewal, in seconds.
    public var timeToLive: Int

    /// Creates a heartbeat.
    public init(identity: String, info: JSONObject, busy: Int, isQuiet: Bool, residentKilobytes: Int, runningJobs: [String: JSONObject], timeToLive: Int = 60) {
        self.identity = identity
        self.info = info
        self.busy = busy
        self.isQuiet = isQuiet
        self.residentKilobytes = residentKilobytes
        self.runningJobs = runningJobs
        self.timeToLive = timeToLive
    }
}
