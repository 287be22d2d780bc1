import Foundation

/// Where jobs live: queues, the per-worker in-progress lists of reliable fetch, and the retry and
/// dead sets. ``RedisBackend`` (module `ConveyorRedis`) keeps them in Redis in Sidekiq's layout;
/// ``InMemoryBackend`` keeps them in memory for tests. Both pass the same conformance suite.
///
/// Reliable fetch is part of the contract: a fetched job stays in a list private to its worker until
/// it is acknowledged, moved to a set, or requeued, so a worker that dies loses nothing.
public protocol JobBackend: Sendable {
    /// Pushes serialized jobs onto their queues' push end and registers the queue names.
    func push(_ jobs: [EncodedJob]) async throws

    /// Adds serialized jobs to the schedule set, to run at `time` (epoch seconds). The payloads carry
    /// no `enqueued_at`; ``promoteDueJobs(limit:)`` stamps it when the job reaches its queue.
    func schedule(_ jobs: [EncodedJob], at time: Double) async throws

    /// Moves up to `limit` due jobs (score at or before now) from the schedule set and up to `limit`
    /// from the retry set to their queues' push end, each with a fresh `enqueued_at` and its other
    /// fields unchanged, and registers the queue names. A job is never lost or duplicated between a set
    /// and its queue, even when several workers promote at once. Returns how many jobs moved.
    func promoteDueJobs(limit: Int) async throws -> Int

    /// Opens a fetcher for one consumer thread of the worker `owner`, serving `queues`.
    func makeFetcher(owner: String, queues: [String]) throws -> any JobFetcher

    /// Removes finished jobs from their private lists and adds to the processed and failed counters,
    /// in one round trip.
    func acknowledge(_ jobs: [FetchedJob], statistics: StatisticsDelta) async throws

    /// Puts unfinished jobs back at the pop end of their queues, so they run next.
    func requeue(_ jobs: [FetchedJob]) async throws

    /// Moves a fetched job into the retry or dead set under `score` (epoch seconds), replacing its
    /// payload by `payload`, atomically with its removal from the private list.
    func move(_ job: FetchedJob, to set: JobSet, payload: [UInt8], score: Double) async throws

    /// Publishes a worker's heartbeat and renews its lease for `heartbeat.leaseDuration` seconds, by
    /// the backend's clock; in the same round trip, pops one signal an administrator sent the worker,
    /// if any. Needs no memory growth on Redis, so a worker can beat at `maxmemory`.
    @discardableResult
    func beat(_ heartbeat: WorkerHeartbeat) async throws -> HeartbeatReply

    /// How many worker processes are alive; the scheduled-job poller spreads its polls over them.
    /// Entries of processes that died without removing themselves (`kill -9`) are pruned on the way.
    func liveProcessCount() async throws -> Int

    /// Removes a stopping worker's heartbeat and lease, and forgets its empty private lists.
    func removeHeartbeat(of identity: String) async throws

    /// Marks a fetched job as started by its worker, before its handler runs. Workers do this only for
    /// jobs recovered from a crash before (``RecoveryDecision/isSuspect(_:)``), so that a later recovery
    /// blames a job only if it was running when its worker died.
    func markStarted(_ job: FetchedJob, jid: String) async throws

    /// Removes the mark of ``markStarted(_:jid:)`` once the handler returned: a crash after that point
    /// was not this job's doing.
    func unmarkStarted(_ job: FetchedJob, jid: String) async throws

    /// Empties the private lists of dead workers: those whose lease expired (see
    /// ``WorkerHeartbeat/leaseDuration``; for a process hash written before leases, whose last beat is
    /// older than `policy.staleHeartbeatAge` by the backend's clock). Each job goes back to its queue's
    /// pop end with its recovery count raised when it was running, or to the dead set once recovered
    /// more than `policy.maximumRecoveries` times (see ``RecoveryDecision``). Each job moves exactly once
    /// even when workers race.
    func recoverOrphanedJobs(policy: RecoveryPolicy) async throws -> RecoveryResult

    /// Pushes one job to its queue, or to the schedule set at `time` (epoch seconds), unless its unique
    /// lock is held: taking the lock (for `lock.timeToLive`) and pushing are one atomic step, so of
    /// many concurrent pushes exactly one wins. Returns nil when the job was pushed, else the jid of
    /// the job holding the lock. The lock is released by the step that acknowledges the job, moves it
    /// to the dead set, or deletes, kills or cancels it (see ``UniqueLock``).
    func pushUnique(_ job: EncodedJob, lock: UniqueLock, at time: Double?) async throws -> String?

    /// Releases a unique lock if the job `jid` still holds it; a worker calls this when a job whose
    /// lock lasts `until: .start` starts.
    func releaseUniqueLock(_ digest: String, jid: String) async throws

    /// Claims one tick of a periodic job: the first caller for a name and tick time wins, however many
    /// workers race, and pushes `job` (nil: the tick is skipped, claimed but nothing pushed) in the same
    /// atomic step, recording the tick as the entry's last run. The claim is kept for
    /// `claimLifetime`. Returns whether this caller won.
    func claimPeriodicTick(name: String, tick: Date, job: EncodedJob?, claimLifetime: Duration) async throws -> Bool

    /// The last tick pushed for each periodic job, by name.
    func lastPeriodicTicks() async throws -> [String: Date]

    /// Records a worker's schedule entries, for `conveyor cron list`.
    func publishPeriodicJobs(_ jobs: [PeriodicJob]) async throws

    /// Takes one of a concurrency limit's `limit` slots for `holder` (a jid), with a lease of `lease`,
    /// after dropping holders whose lease ran out, in one atomic step; true when taken (or already held).
    func acquireConcurrencySlot(key: String, holder: String, limit: Int, lease: Duration) async throws -> Bool

    /// Frees a holder's slot.
    func releaseConcurrencySlot(key: String, holder: String) async throws

    /// Extends the leases of slots still held; workers call this with each heartbeat.
    func renewConcurrencySlots(_ slots: [(key: String, holder: String)], lease: Duration) async throws

    /// Counts one run against a rate limit's current window, in one atomic step: nil when admitted,
    /// else how long until the window ends (the run is then not counted).
    func admitToRateWindow(key: String, limit: Int, window: Duration) async throws -> Duration?

    /// Which of these jids (of jobs a worker is running) carry a cancel mark set by
    /// ``JobAdministration/cancel(jid:)``. Workers ask with each heartbeat.
    func cancellationRequests(among jids: [String]) async throws -> Set<String>

    /// Removes a job's cancel mark once its run ended. Marks also expire on their own after a day.
    func forgetCancellation(of jid: String) async throws

    /// Sizes of queues, sets and counters, for `conveyor stats` and tests.
    func statistics() async throws -> BackendStatistics
}

extension JobBackend {
    /// Recovers dead workers' jobs with the default ``RecoveryPolicy``.
    public func recoverOrphanedJobs() async throws -> RecoveryResult {
        try await recoverOrphanedJobs(policy: RecoveryPolicy())
    }
}

/// A job serialized for its queue.
public struct EncodedJob: Sendable, Hashable {
    /// The queue to push onto.
    public let queue: String
    /// The job's JSON.
    public let payload: [UInt8]

    /// Creates an encoded job.
    public init(queue: String, payload: [UInt8]) {
        self.queue = queue
        self.payload = payload
    }

    /// Serializes a job for its own queue.
    public init(_ job: Job) {
        self.init(queue: job.queue, payload: job.serialized())
    }

    /// A job leaving the schedule or retry set for its queue: `enqueued_at` set to `now` (replaced in
    /// place, or appended), every other field unchanged. A payload that is not a job goes unchanged to
    /// the default queue, where the worker that fetches it sends it to the dead set with the reason.
    public init(releasing payload: [UInt8], now: Double) {
        guard var job = try? Job(json: payload) else {
            self.init(queue: Job.defaultQueue, payload: payload)
            return
        }
        job.enqueuedAt = now
        self.init(job)
    }
}

/// The sorted sets a job can be moved to.
public enum JobSet: String, Sendable, CaseIterable {
    /// Failed jobs waiting for their next attempt.
    case retry
    /// Jobs that will not run again unless someone retries them by hand.
    case dead
    /// Jobs pushed to run later.
    case schedule
}

/// Counter increments flushed together with acknowledgements.
public struct StatisticsDelta: Sendable, Equatable {
    /// Jobs run, successful or not (Sidekiq counts failures as processed too).
    public var processed: Int
    /// Jobs whose handler failed.
    public var failed: Int

    /// Creates a delta.
    public init(processed: Int = 0, failed: Int = 0) {
        self.processed = processed
        self.failed = failed
    }

    /// Whether there is nothing to add.
    public var isEmpty: Bool { processed == 0 && failed == 0 }
}
