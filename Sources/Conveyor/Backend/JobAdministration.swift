import Foundation

/// What an administrator does to a running system: page through the schedule, retry and dead sets,
/// move or delete one entry, see each queue's size and latency, list the worker processes and send
/// them signals, pause, resume and clear queues. The `conveyor` CLI's `retry`, `dead`, `scheduled`,
/// `processes`, `quiet`, `stop` and `queue` use nothing else, and a dashboard needs nothing more. ``InMemoryBackend`` and `RedisBackend` both
/// conform and pass the same conformance suite.
///
/// Entries are named by ``JobSetEntry/id``: the job's jid, or for a member that is not a job
/// `payload-` and the start of its SHA-1, so every entry can be moved or deleted one at a time.
///
/// ```swift
/// let admin: any JobAdministration = try await RedisBackend.connect()
/// let page = try await admin.entries(in: .dead, offset: 0, limit: 50)
/// print("\(page.entries.count) of \(page.total) dead jobs")
/// try await admin.enqueueNow(id: "b4a577edbccf1d805744efa9", from: .dead)
/// try await admin.send(.quiet, to: "web-1:4242:0a1b2c3d4e5f")
/// ```
public protocol JobAdministration: Sendable {
    /// At most `limit` entries of a set from position `offset` (0 is the lowest score: the soonest to
    /// run, or the oldest death), and the set's size. Reads only the page, never the whole set. An
    /// offset past the end gives an empty page; a `limit` below 1 asks for no entries.
    func entries(in set: JobSet, offset: Int, limit: Int) async throws -> JobSetPage

    /// The entry with this ``JobSetEntry/id``; a jid that only appears in another job's args never
    /// matches. Throws ``AdminError/unknownJID(_:set:)`` when the set holds none.
    func entry(id: String, in set: JobSet) async throws -> JobSetEntry

    /// Moves an entry to its queue at once, with a fresh `enqueued_at` and every other field unchanged,
    /// in the same atomic step as the poller's promotion: the job is never lost or pushed twice, even
    /// when a poller releases it at the same moment. Returns the entry as it was in the set. Throws
    /// ``AdminError/unknownJID(_:set:)`` when it is not there (or no longer).
    @discardableResult
    func enqueueNow(id: String, from set: JobSet) async throws -> JobSetEntry

    /// Deletes an entry. Returns it. Throws ``AdminError/unknownJID(_:set:)`` when it is not there.
    @discardableResult
    func delete(id: String, from set: JobSet) async throws -> JobSetEntry

    /// Moves an entry, unchanged, to the dead set with the time of death now, in one atomic step, and
    /// trims the dead set to its caps as a worker's burial does. An entry already dead stays as it is.
    /// Returns the entry as it was. Throws ``AdminError/unknownJID(_:set:)`` when it is not there.
    @discardableResult
    func kill(id: String, from set: JobSet) async throws -> JobSetEntry

    /// Empties a set in one step; returns how many entries it held.
    @discardableResult
    func clear(_ set: JobSet) async throws -> Int

    /// Every known queue, by name, with its size, latency (see ``QueueSummary/latency``) and whether it
    /// is paused. A queue stays known once a job was pushed to it, so an empty queue is listed with size
    /// 0; a paused queue is listed even if nothing was ever pushed to it.
    func queues() async throws -> [QueueSummary]

    /// Pauses a queue for every worker, present and future, until ``resumeQueue(_:)``: the flag lives
    /// in the backend (in Redis, a set read by the fetch script), so no fetch that starts after this
    /// returns takes a job from the queue, and the pause survives worker restarts. Jobs keep arriving
    /// and wait. Returns false when the queue was already paused.
    @discardableResult
    func pauseQueue(_ name: String) async throws -> Bool

    /// Lets workers fetch from a paused queue again. Returns false when it was not paused.
    @discardableResult
    func resumeQueue(_ name: String) async throws -> Bool

    /// Deletes every job waiting in a queue, in one step; returns how many there were. Jobs already
    /// fetched by a worker are not touched, and the queue stays known (and paused, if it was).
    @discardableResult
    func clearQueue(_ name: String) async throws -> Int

    /// Cancels a job wherever it is. A job waiting in a queue is removed from it (this scans the known
    /// queues, 1000 entries per round trip: the cost grows with the queues' length), one in the schedule
    /// or retry set is removed from there; each removal is atomic, so a job a worker fetches at the same
    /// moment is either removed or found running. A job a worker has fetched gets a cancel mark, which
    /// the worker reads with its heartbeat: it cancels the job's task and acknowledges the run without
    /// a retry. Throws ``AdminError/unknownJob(_:)`` when the job is nowhere (finished, dead, or never
    /// pushed), setting no mark.
    @discardableResult
    func cancel(jid: String) async throws -> CancelOutcome

    /// The periodic jobs workers have published, by name, each with its last pushed tick.
    func periodicJobs() async throws -> [(job: PeriodicJob, lastTick: Date?)]

    /// The live worker processes, by identity, as their last heartbeat describes them.
    func processes() async throws -> [ProcessSummary]

    /// Sends a live worker process a signal, which its next heartbeat pops and obeys (Sidekiq's
    /// `IDENTITY-signals` list). Refuses, sending nothing, a process that is not alive, since it would
    /// never obey: ``AdminError/unknownProcess(_:)`` for an identity with no heartbeat recorded, and
    /// ``AdminError/stoppedProcess(_:beatAge:)`` for one whose lease expired (a killed worker's
    /// heartbeat outlives it by up to a minute).
    func send(_ signal: WorkerSignal, to identity: String) async throws

    // What a dashboard needs beyond the CLI's commands.

    /// The queue sizes and the processed and failed counters (the same as ``JobBackend/statistics()``,
    /// here so that an admin tool needs nothing but this protocol).
    func statistics() async throws -> BackendStatistics

    /// At most `limit` of a queue's waiting jobs from position `offset` (0 is the next to run), and the
    /// queue's length. Reads only the page.
    func jobs(inQueue queue: String, offset: Int, limit: Int) async throws -> QueuePage

    /// Deletes one waiting job, named by its jid (or ``JobSetEntry/id`` for a payload that is not a
    /// job), from a queue. Returns it. Throws ``AdminError/unknownQueuedJob(_:queue:)`` when the queue
    /// does not hold it (a worker may have fetched it meanwhile).
    @discardableResult
    func deleteJob(id: String, fromQueue queue: String) async throws -> JobSetEntry

    /// The entries of a set whose stored JSON contains `text` (a class name, a jid, an argument, an
    /// error message), a page of them from match `offset`, in score order, with the number of matches
    /// as the page's total. Reads the set in bounded windows, never all at once.
    func entries(in set: JobSet, containing text: String, offset: Int, limit: Int) async throws -> JobSetPage

    /// The daily processed and failed counters of the `days` UTC days up to the one holding `now`
    /// (epoch seconds), oldest first; a day without a counter counts 0.
    func history(days: Int, endingAt now: Double) async throws -> [DailyCount]

    /// The jobs that live worker processes are running, as their last heartbeats listed them.
    func runningJobs() async throws -> [RunningJob]

    /// A few facts about the server behind the backend for a dashboard's footer, by name (for Redis:
    /// `redis_version`, `used_memory_human`, `connected_clients`, `uptime_in_days`).
    func serverInfo() async throws -> [String: String]
}
