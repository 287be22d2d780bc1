import Conveyor

/// Every Redis key Conveyor uses, built in one place. The layout is Sidekiq's (`queue:NAME`, `queues`,
/// `retry`, `dead`, `schedule`, `processes`, `stat:processed`, …) so Ruby and Swift share data;
/// Conveyor's own additions live under `conveyor:`. An optional namespace prefixes every key, like the
/// redis-namespace gem does (`myapp:queue:default`).
public struct RedisKeys: Sendable, Equatable {
    /// The prefix before every key, including its trailing `:`; empty for none.
    public let prefix: String

    /// Keys with an optional namespace (`nil` or empty: Sidekiq's plain layout).
    public init(namespace: String? = nil) {
        if let namespace, !namespace.isEmpty {
            prefix = namespace + ":"
        } else {
            prefix = ""
        }
    }

    /// The set of known queue names.
    public var queues: String { prefix + "queues" }
    /// A queue's list of job payloads.
    public func queue(_ name: String) -> String { prefix + "queue:" + name }
    /// The retry, dead or schedule sorted set.
    public func set(_ set: JobSet) -> String { prefix + set.rawValue }
    /// The set of live process identities.
    public var processes: String { prefix + "processes" }
    /// A process's heartbeat hash (expires when the process stops beating).
    public func process(_ identity: String) -> String { prefix + identity }
    /// A process's liveness lease: set by each beat with a time to live of the worker's own
    /// `--stale-after`, so Redis expires it by its own clock once the worker stops beating. Crash
    /// recovery takes over a worker's private lists only when this key is gone: no two machines'
    /// clocks are ever compared.
    public func lease(_ identity: String) -> String { leasePrefix + identity }
    /// What every lease key starts with, for scripts that build them from identities.
    public var leasePrefix: String { prefix + "conveyor:lease:" }
    /// A process's running-jobs hash.
    public func workers(_ identity: String) -> String { prefix + identity + ":workers" }
    /// A process's signal list (`TSTP`, `TERM`).
    public func signals(_ identity: String) -> String { prefix + identity + "-signals" }
    /// The all-time processed counter.
    public var processed: String { prefix + "stat:processed" }
    /// The all-time failed counter.
    public var failed: String { prefix + "stat:failed" }
    /// A day's processed counter (`YYYY-MM-DD`, UTC).
    public func processed(day: String) -> String { prefix + "stat:processed:" + day }
    /// A day's failed counter.
    public func failed(day: String) -> String { prefix + "stat:failed:" + day }
    /// The private in-progress list of one worker process for one queue (reliable fetch).
    public func privateList(owner: String, queue: String) -> String { prefix + "conveyor:inprogress:" + owner + ":" + queue }
    /// The jids of recovered jobs that one worker started from one queue, so that a later recovery
    /// counts a crash only against the jobs that were running (see `RecoveryDecision`).
    public func startMarks(owner: String, queue: String) -> String { prefix + "conveyor:started:" + owner + ":" + queue }
    /// The hash of every private list in use: field = the list's key, value = `owner` + newline + `queue`,
    /// so recovery finds lists whose owner died without scanning the keyspace.
    public var privateLists: String { prefix + "conveyor:inprogress" }
    /// The set of paused queue names. The fetch script reads it on every fetch, so a pause reaches
    /// every worker, including ones started later, and outlives restarts of workers and of Redis
    /// (when it persists).
    public var pausedQueues: String { prefix + "conveyor:paused" }
    /// A job's cancel mark (`conveyor cancel JID` on a running job), read by workers with their
    /// heartbeat; it expires after a day if no worker removes it.
    public func cancellation(_ jid: String) -> String { prefix + "conveyor:cancel:" + jid }
    /// A unique job's lock (value: the holder's jid; expires after its `unique_for`).
    public func uniqueLock(_ digest: String) -> String { prefix + "conveyor:unique:" + digest }
    /// A concurrency limit's sorted set: holder (jid) → lease expiry in Redis-clock milliseconds.
    public func concurrencyLimit(_ key: String) -> String { prefix + "conveyor:limit:" + key }
    /// What a rate limit's window counters start with; the script appends the window's number.
    public func rateWindowPrefix(_ key: String) -> String { prefix + "conveyor:rate:" + key + ":" }
    /// The claim of one tick of a periodic job (`SET NX` with a time to live): whoever sets it pushes.
    public func periodicClaim(name: String, tick: Int) -> String { prefix + "conveyor:periodic:" + name + ":" + String(tick) }
    /// The hash of each periodic job's last pushed tick (epoch seconds).
    public var periodicLastTicks: String { prefix + "conveyor:periodic-last" }
    /// The hash of the schedule entries workers published (name → JSON), for `conveyor cron list`.
    public var periodicEntries: String { prefix + "conveyor:periodic-entries" }
}

