import Conveyor
import ConveyorSupport
import Foundation
import RedisClient

/// The Redis backend: Sidekiq's keys and payloads, with reliable fetch into per-process private lists.
///
/// ```swift
/// let backend = try await RedisBackend.connect()   // REDIS_URL, else redis://127.0.0.1:6379/0
/// try await Producer(backend: backend).push(className: "SendWelcomeEmail", args: [42])
/// await backend.close()
/// ```
///
/// Who closes the client: a backend made by ``connect(url:namespace:logger:)`` owns its client and
/// ``close()`` closes it. A backend made with ``init(client:namespace:)`` only borrows the client, which
/// may serve other code too: its owner closes it, after the backend's last use.
public final class RedisBackend: JobBackend {
    /// The async client used for everything but fetching.
    public let client: RedisClient
    /// Whether ``close()`` closes ``client``: only when this backend made it.
    private let ownsClient: Bool
    /// The key layout.
    public let keys: RedisKeys
    /// The most jobs in one `LPUSH` when pushing in bulk.
    public var bulkChunkSize: Int { 1000 }
    /// The dead set's cap, as Sidekiq: 10,000 entries and 180 days.
    public static let deadSetLimit = 10_000
    /// The dead set's age cap in seconds.
    public static let deadSetMaximumAge = 180.0 * 24 * 3600

    /// Creates the backend on a client, with an optional key namespace. The client stays the caller's:
    /// close it when done with the backend (``close()`` leaves it open).
    public convenience init(client: RedisClient, namespace: String? = nil) {
        self.init(client: client, namespace: namespace, ownsClient: false)
    }

    init(client: RedisClient, namespace: String?, ownsClient: Bool) {
        self.client = client
        self.keys = RedisKeys(namespace: namespace)
        self.ownsClient = ownsClient
    }

    /// Closes the client this backend made (see ``connect(url:namespace:logger:)``), failing requests
    /// still queued and joining its connection thread; the backend cannot be used afterwards. A client
    /// handed to ``init(client:namespace:)`` is left open for its owner. Safe to call twice.
    public func close() async {
        if ownsClient {
            await client.close()
        }
    }

    public func push(_ jobs: [EncodedJob]) async throws {
        guard !jobs.isEmpty else { return }
        var byQueue: [String: [[UInt8]]] = [:]
        var order: [String] = []
        for job in jobs {
            if byQueue[job.queue] == nil { order.append(job.queue) }
            byQueue[job.queue, default: []].append(job.payload)
        }
        // One pipeline: per queue an SADD and as many LPUSHes as chunks.
        var commands: [RedisCommand] = []
        for queue in order {
            commands.append(RedisCommand("SADD", keys.queues, queue))
            let payloads = byQueue[queue]!
            for start in stride(from: 0, to: payloads.count, by: bulkChunkSize) {
                let chunk = payloads[start..<min(start + bulkChunkSize, payloads.count)]
                commands.append(RedisCommand(rawArguments: [Array("LPUSH".utf8), Array(keys.queue(queue).utf8)] + chunk))
            }
        }
        try await pipelineConfirmedByReplicas(commands)
    }

    public func pushUnique(_ job: EncodedJob, lock: UniqueLock, at time: Double?) async throws -> String? {
        let destination = time == nil ? keys.queue(job.queue) : keys.set(.schedule)
        let milliseconds = max(1, Int((lock.timeToLive.inSeconds * 1000).rounded(.up)))
        let reply = try await client.run(
            RedisScripts.pushUnique,
            keys: [keys.uniqueLock(lock.digest), destination, keys.queues],
            arguments: [lock.jid, milliseconds, job.payload, job.queue, time.map { "\($0)" } ?? ""]
        )
        return reply.string
    }

    public func claimPeriodicTick(name: String, tick: Date, job: EncodedJob?, claimLifetime: Duration) async throws -> Bool {
        let seconds = Int(tick.timeIntervalSince1970.rounded(.down))
        let queue = job?.queue ?? Job.defaultQueue
        let reply = try await client.run(
            RedisScripts.claimTick,
            keys: [keys.periodicClaim(name: name, tick: seconds), keys.periodicLastTicks, keys.queue(queue), keys.queues],
            arguments: [max(1, Int(claimLifetime.inSeconds.rounded(.up))), name, seconds, job?.payload ?? [], queue]
        )
        return reply.integer == 1
    }

    public func lastPeriodicTicks() async throws -> [String: Date] {
        let flat = try await client.send("HGETALL", keys.periodicLastTicks).array ?? []
        var ticks: [String: Date] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string, let seconds = flat[index + 1].string.flatMap(Double.init) {
                ticks[name] = Date(timeIntervalSince1970: seconds)
            }
        }
        return ticks
    }

    public func publishPeriodicJobs(_ jobs: [PeriodicJob]) async throws {
        guard !jobs.isEmpty else { return }
        var arguments: [any RedisArgument] = [keys.periodicEntries]
        for job in jobs { arguments += [job.name, job.summaryJSON.jsonString] }
        try await client.send(RedisCommand("HSET", arguments: arguments))
    }

    public func acquireConcurrencySlot(key: String, holder: String, limit: Int, lease: Duration) async throws -> Bool {
        try await client.run(RedisScripts.acquireSlot, keys: [keys.concurrencyLimit(key)], arguments: [holder, limit, Self.milliseconds(lease.inSeconds)]).integer == 1
    }

    public func releaseConcurrencySlot(key: String, holder: String) async throws {
        try await client.send("ZREM", keys.concurrencyLimit(key), holder)
    }

    public func renewConcurrencySlots(_ slots: [(key: String, holder: String)], lease: Duration) async throws {
        guard !slots.isEmpty else { return }
        try await client.run(RedisScripts.renewSlots, keys: slots.map { keys.concurrencyLimit($0.key) }, arguments: [Self.milliseconds(lease.inSeconds)] + slots.map(\.holder))
    }

    public func admitToRateWindow(key: String, limit: Int, window: Duration) async throws -> Duration? {
        // The counter's key is built by the script from this prefix (from RedisKeys) and the window's
        // number by Redis's clock. On Redis Cluster it would need a hash tag; Conveyor runs on one node.
        let reply = try await client.run(RedisScripts.admitToWindow, keys: [], arguments: [keys.rateWindowPrefix(key), limit, max(1, Int(window.inSeconds.rounded()))])
        let wait = reply.integer ?? 0
        return wait > 0 ? .milliseconds(wait) : nil
    }

    public func releaseUniqueLock(_ digest: String, jid: String) async throws {
        try await client.run(RedisScripts.releaseLock, keys: [keys.uniqueLock(digest)], arguments: [jid])
    }

    public func schedule(_ jobs: [EncodedJob], at time: Double) async throws {
        guard !jobs.isEmpty else { return }
        var commands: [RedisCommand] = []
        for start in stride(from: 0, to: jobs.count, by: bulkChunkSize) {
            var arguments: [any RedisArgument] = [keys.set(.schedule)]
            for job in jobs[start..<min(start + bulkChunkSize, jobs.count)] {
                arguments += [time, job.payload]
            }
            commands.append(RedisCommand("ZADD", arguments: arguments))
        }
        try await pipelineConfirmedByReplicas(commands)
    }

    /// Sends the commands of a push, followed, when the URL asks for it (`wait_replicas=N`), by `WAIT`
    /// in the same pipeline, so on the same connection: the push succeeds only once N replicas have it.
    ///
    /// Why: replication is asynchronous, so a push the master acknowledged but had not yet sent to its
    /// replica is lost when that replica is promoted, and nobody would know. With the wait, such a push
    /// reports failure instead, and its caller pushes again (a job pushed twice runs twice: Conveyor,
    /// like Sidekiq, runs a job at least once).
    private func pipelineConfirmedByReplicas(_ commands: [RedisCommand]) async throws {
        let wanted = client.configuration.replicasToAcknowledge
        guard wanted > 0 else {
            try Self.check(try await client.pipeline(commands), commands)
            return
        }
        let timeout = client.configuration.replicaAcknowledgementTimeout
        let wait = RedisCommand("WAIT", wanted, max(1, Int((timeout * 1000).rounded())))
        let replies = try await client.pipeline(commands + [wait])
        try Self.check(replies, commands + [wait])
        let confirmed = replies.last?.integer ?? 0
        if confirmed < wanted {
            throw ReplicaAcknowledgementError(jobCommands: commands.count, confirmed: confirmed, wanted: wanted, seconds: timeout)
        }
    }

    public func promoteDueJobs(limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        // Due by Redis's clock, not this worker's: a worker whose clock runs ahead would otherwise run
        // scheduled jobs early, one that runs behind late.
        let now = try await serverTime()
        let sets: [JobSet] = [.schedule, .retry]
        let reads = sets.map { RedisCommand("ZRANGEBYSCORE", keys.set($0), "-inf", now, "LIMIT", 0, limit) }
        let replies = try await client.pipeline(reads)
        try Self.check(replies, reads)
        var moved = 0
        for (set, reply) in zip(sets, replies) {
            let members = (reply.array ?? []).compactMap(\.bytes)
            moved += try await release(members, from: set, now: now)
        }
        return moved
    }

    /// Redis's clock in epoch seconds (`TIME`).
    func serverTime() async throws -> Double {
        let reply = try await client.send("TIME").array ?? []
        guard reply.count == 2, let seconds = reply[0].string.flatMap(Double.init), let microseconds = reply[1].string.flatMap(Double.init) else {
            throw RedisError.protocolError(command: "TIME", message: "the reply was not [seconds, microseconds]")
        }
        return seconds + microseconds / 1_000_000
    }

    /// Moves members of a sorted set to their queues with a fresh `enqueued_at`, in one atomic script
    /// call (see ``RedisScripts/release``); members no longer in the set are skipped. Returns how many moved.
    func release(_ members: [[UInt8]], from set: JobSet, now: Double) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        var scriptKeys: [any RedisArgument] = [keys.set(set), keys.queues]
        var queueIndex: [String: Int] = [:]
        var arguments: [any RedisArgument] = []
        for member in members {
            let job = EncodedJob(releasing: member, now: now)
            let index: Int
            if let known = queueIndex[job.queue] {
                index = known
            } else {
                scriptKeys.append(keys.queue(job.queue))
                index = scriptKeys.count
                queueIndex[job.queue] = index
            }
            arguments += [member, job.payload, index, job.queue]
        }
        let reply = try await client.run(RedisScripts.release, keys: scriptKeys, arguments: arguments)
        return reply.integer ?? 0
    }

    public func makeFetcher(owner: String, queues: [String]) throws -> any JobFetcher {
        RedisFetcher(configuration: client.configuration, keys: keys, owner: owner, queues: queues)
    }

    public func acknowledge(_ jobs: [FetchedJob], statistics: StatisticsDelta) async throws {
        // Jobs of one batch nearly always share owner and queue: a private list's key is built again
        // only when a job's list differs from the one before (hashing two strings per job to look
        // keys up cost more than comparing them with the previous job's).
        var previous: (id: PrivateListID, key: [UInt8])?
        let lrem = Array("LREM".utf8), fromTail = Array("-1".utf8)
        var fallbacks: [Int: RedisCommand] = [:]
        var commands: [RedisCommand] = []
        commands.reserveCapacity(jobs.count + 1)
        for job in jobs {
            let id = PrivateListID(owner: job.owner, queue: job.queue)
            let key: [UInt8]
            if let previous, previous.id == id {
                key = previous.key
            } else {
                key = Array(keys.privateList(owner: job.owner, queue: job.queue).utf8)
                previous = (id, key)
            }
            if let unique = UniqueLock.digest(inPayload: job.payload) {
                // A unique job's lock is released in the step that removes the job.
                let scriptKeys: [any RedisArgument] = [key, keys.uniqueLock(unique.digest)]
                fallbacks[commands.count] = RedisScripts.acknowledgeUnique.evalCommand(keys: scriptKeys, arguments: [job.payload, unique.jid])
                commands.append(RedisScripts.acknowledgeUnique.evalSHACommand(keys: scriptKeys, arguments: [job.payload, unique.jid]))
            } else {
                commands.append(RedisCommand(rawArguments: [lrem, key, fromTail, job.payload]))
            }
        }
        if !statistics.isEmpty {
            // The counters go through a script allowed at `maxmemory`: an INCRBY refused there would
            // fail the batch, and acknowledging is what frees memory.
            let day = Self.utcDay(WallClock.now())
            let scriptKeys = [keys.processed, keys.processed(day: day), keys.failed, keys.failed(day: day)]
            let arguments: [any RedisArgument] = [statistics.processed, statistics.failed, Self.dailyCounterTimeToLive]
            fallbacks[commands.count] = RedisScripts.countRuns.evalCommand(keys: scriptKeys, arguments: arguments)
            commands.append(RedisScripts.countRuns.evalSHACommand(keys: scriptKeys, arguments: arguments))
        }
        guard !commands.isEmpty else { return }
        try Self.check(try await client.pipeline(commands, scriptFallbacks: fallbacks), commands)
    }

    public func requeue(_ jobs: [FetchedJob]) async throws {
        guard !jobs.isEmpty else { return }
        // Reversed: each RPUSH lands at the pop end, so the first job given ends up first to run.
        let commands = jobs.reversed().map { job in
            RedisScripts.requeue.evalSHACommand(
                keys: [keys.privateList(owner: job.owner, queue: job.queue), keys.queue(job.queue)],
                arguments: [job.payload]
            )
        }
        try await runScriptPipeline(RedisScripts.requeue, commands)
    }

    public func move(_ job: FetchedJob, to set: JobSet, payload: [UInt8], score: Double) async throws {
        var arguments: [any RedisArgument] = [job.payload, payload, score]
        var scriptKeys: [any RedisArgument] = [keys.privateList(owner: job.owner, queue: job.queue), keys.set(set)]
        if set == .dead {
            arguments += [Self.deadSetLimit, score - Self.deadSetMaximumAge]
            if let unique = UniqueLock.digest(inPayload: job.payload) {
                scriptKeys.append(keys.uniqueLock(unique.digest))
                arguments.append(unique.jid)
            }
        }
        try await client.run(RedisScripts.moveToSet, keys: scriptKeys, arguments: arguments)
    }

    public func beat(_ heartbeat: WorkerHeartbeat) async throws -> HeartbeatReply {
        var arguments: [any RedisArgument] = [
            heartbeat.identity, heartbeat.timeToLive, Self.milliseconds(heartbeat.leaseDuration),
            JSONValue.object(heartbeat.info).jsonString, heartbeat.busy, WallClock.now(),
            heartbeat.isQuiet ? "true" : "false", heartbeat.residentKilobytes,
        ]
        for (field, work) in heartbeat.runningJobs {
            arguments += [field, JSONValue.object(work).jsonString]
        }
        let reply = try await client.run(
            RedisScripts.beat,
            keys: [
                keys.process(heartbeat.identity), keys.workers(heartbeat.identity), keys.signals(heartbeat.identity),
                keys.processes, keys.lease(heartbeat.identity),
            ],
            arguments: arguments
        ).array ?? []
        return HeartbeatReply(
            signal: reply.first?.string.flatMap(WorkerSignal.init(rawValue:)),
            hadLostLease: !heartbeat.isFirst && reply.count > 1 && reply[1].integer == 0
        )
    }

    public func liveProcessCount() async throws -> Int {
        try await liveProcesses().count
    }

    /// The identities of live processes, pruning the process set of those whose registry entry expired
    /// (see ``RedisScripts/liveProcesses``).
    public func liveProcesses() async throws -> [String] {
        let reply = try await client.run(RedisScripts.liveProcesses, keys: [keys.processes], arguments: [keys.prefix, keys.leasePrefix])
        return (reply.array ?? []).compactMap(\.string)
    }

    public func removeHeartbeat(of identity: String) async throws {
        let commands = [
            RedisCommand("SREM", keys.processes, identity),
            RedisCommand("UNLINK", keys.process(identity), keys.workers(identity), keys.lease(identity)),
        ]
        try Self.check(try await client.pipeline(commands), commands)
        // A cleanly stopped worker leaves no registry entries behind for its (empty) private lists.
        for list in try await privateListRegistry() where list.owner == identity {
            try await client.run(
                RedisScripts.forgetEmptyPrivateList,
                keys: [list.key, keys.privateLists, keys.startMarks(owner: list.owner, queue: list.queue)],
                arguments: [list.key]
            )
        }
    }

    public func markStarted(_ job: FetchedJob, jid: String) async throws {
        try await client.run(RedisScripts.markStarted, keys: [keys.startMarks(owner: job.owner, queue: job.queue)], arguments: [jid])
    }

    public func unmarkStarted(_ job: FetchedJob, jid: String) async throws {
        _ = try await client.send("SREM", keys.startMarks(owner: job.owner, queue: job.queue), jid)
    }

    /// Every registered private list: its key, owner and queue.
    func privateListRegistry() async throws -> [(key: String, owner: String, queue: String)] {
        let entries = try await client.send("HGETALL", keys.privateLists).array ?? []
        var lists: [(key: String, owner: String, queue: String)] = []
        for pair in stride(from: 0, to: entries.count - 1, by: 2) {
            guard let listKey = entries[pair].string, let value = entries[pair + 1].string else { continue }
            let parts = value.split(separator: "\n", maxSplits: 1)
            guard parts.count == 2 else { continue }
            lists.append((listKey, String(parts[0]), String(parts[1])))
        }
        return lists
    }

    public func recoverOrphanedJobs(policy: RecoveryPolicy) async throws -> RecoveryResult {
        let lists = try await privateListRegistry()
        guard !lists.isEmpty else { return RecoveryResult() }
        // A first cheap pass skips the lists whose owner holds its lease, so live workers' lists are
        // never read; the script checks liveness again atomically before moving anything.
        let leases = lists.map { RedisCommand("EXISTS", keys.lease($0.owner)) }
        let leaseReplies = try await client.pipeline(leases)
        try Self.check(leaseReplies, leases)
        let candidates = zip(lists, leaseReplies).filter { $1.integer == 0 }.map(\.0)
        guard !candidates.isEmpty else { return RecoveryResult() }
        var reads: [RedisCommand] = []
        for list in candidates {
            reads.append(RedisCommand("LRANGE", list.key, 0, -1))
            reads.append(RedisCommand("SMEMBERS", keys.startMarks(owner: list.owner, queue: list.queue)))
        }
        let contents = try await client.pipeline(reads)
        try Self.check(contents, reads)
        let now = WallClock.now()
        var result = RecoveryResult()
        for (offset, list) in candidates.enumerated() {
            // A stopping worker moves no more lists; it still finishes the one whose script it sent.
            if Task.isCancelled { break }
            let payloads = (contents[2 * offset].array ?? []).compactMap(\.bytes)
            let started = Set((contents[2 * offset + 1].array ?? []).compactMap(\.string))
            var arguments: [any RedisArgument] = [list.key, policy.staleHeartbeatSeconds, now, Self.deadSetLimit, now - Self.deadSetMaximumAge]
            for payload in payloads {
                let wasStarted = (try? Job(json: payload)).map { started.contains($0.jid) } ?? false
                switch RecoveryDecision.decide(payload: payload, wasStarted: wasStarted, policy: policy, now: now) {
                case .requeue(let rewritten): arguments += [payload, "queue", rewritten]
                case .bury(let rewritten): arguments += [payload, "dead", rewritten]
                }
            }
            let scriptKeys: [any RedisArgument] = [
                keys.lease(list.owner), keys.process(list.owner), list.key, keys.queue(list.queue),
                keys.privateLists, keys.set(.dead), keys.startMarks(owner: list.owner, queue: list.queue),
            ]
            // The script moves the jobs atomically; its reply is the only record of how many it moved.
            // A worker stopped while the reply is on its way must still read it, or the recovery it
            // did goes unlogged and uncounted (the chaos suite's race scenario caught exactly that).
            let moved = try await withoutCancellation { [client, arguments] in
                try await client.run(RedisScripts.recover, keys: scriptKeys, arguments: arguments)
            }.array ?? []
            result.requeued += max(0, moved.first?.integer ?? 0)
            result.buried += moved.count > 1 ? (moved[1].integer ?? 0) : 0
        }
        return result
    }

    /// One `MGET` of the jobs' cancel marks.
    public func cancellationRequests(among jids: [String]) async throws -> Set<String> {
        guard !jids.isEmpty else { return [] }
        let marks = try await client.send(RedisCommand("MGET", arguments: jids.map(keys.cancellation))).array ?? []
        return Set(zip(jids, marks).filter { !$0.1.isNull }.map(\.0))
    }

    public func forgetCancellation(of jid: String) async throws {
        try await client.send("DEL", keys.cancellation(jid))
    }

    public func statistics() async throws -> BackendStatistics {
        let names = (try await client.send("SMEMBERS", keys.queues).array ?? []).compactMap(\.string).sorted()
        var commands = names.map { RedisCommand("LLEN", keys.queue($0)) }
        commands += [
            RedisCommand("GET", keys.processed), RedisCommand("GET", keys.failed),
            RedisCommand("ZCARD", keys.set(.retry)), RedisCommand("ZCARD", keys.set(.schedule)),
            RedisCommand("ZCARD", keys.set(.dead)), RedisCommand("HKEYS", keys.privateLists),
            RedisCommand("SMEMBERS", keys.processes),
        ]
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        var statistics = BackendStatistics()
        for (index, name) in names.enumerated() { statistics.queues[name] = replies[index].integer ?? 0 }
        let rest = Array(replies[names.count...])
        statistics.processed = rest[0].integer ?? 0
        statistics.failed = rest[1].integer ?? 0
        statistics.retries = rest[2].integer ?? 0
        statistics.scheduled = rest[3].integer ?? 0
        statistics.dead = rest[4].integer ?? 0
        let privateLists = (rest[5].array ?? []).compactMap(\.string)
        if !privateLists.isEmpty {
            let lengths = try await client.pipeline(privateLists.map { RedisCommand("LLEN", $0) })
            statistics.inProgress = lengths.reduce(0) { $0 + ($1.integer ?? 0) }
        }
        let identities = (rest[6].array ?? []).compactMap(\.string)
        if !identities.isEmpty {
            let alive = try await client.pipeline(identities.map { RedisCommand("EXISTS", keys.process($0)) })
            statistics.processes = alive.reduce(0) { $0 + ($1.integer ?? 0) }
        }
        return statistics
    }

    /// Daily counters expire after five years, as Sidekiq's.
    static let dailyCounterTimeToLive = 5 * 365 * 24 * 3600

    /// Seconds as whole milliseconds for `PX`, clamped to what Redis accepts.
    static func milliseconds(_ seconds: Double) -> Int {
        let milliseconds = (seconds * 1000).rounded(.up)
        guard milliseconds.isFinite else { return milliseconds > 0 ? Int(Int32.max) * 1000 : 1 }
        return Int(min(max(1, milliseconds), Double(Int32.max) * 1000))
    }

    private func runScriptPipeline(_ script: RedisScript, _ commands: [RedisCommand]) async throws {
        var replies = try await client.pipeline(commands)
        if replies.contains(where: RedisScript.isMissingScript) {
            _ = try await client.send("SCRIPT", "LOAD", script.source)
            replies = try await client.pipeline(commands)
        }
        try Self.check(replies, commands)
    }

    /// Throws the first error reply of a pipeline, naming its command.
    static func check(_ replies: [RedisValue], _ commands: [RedisCommand]) throws {
        for (index, reply) in replies.enumerated() {
            if case .error(let message) = reply {
                throw RedisError.errorReply(command: commands[index].name, message: message)
            }
        }
    }

    /// `YYYY-MM-DD` in UTC, for Sidekiq's daily counters (one definition, in the core, for both backends).
    static func utcDay(_ epochSeconds: Double) -> String { DailyCount.day(of: epochSeconds) }
}

/// A private list's owner and queue, as a dictionary key.
private struct PrivateListID: Hashable {
    let owner: String
    let queue: String
}
