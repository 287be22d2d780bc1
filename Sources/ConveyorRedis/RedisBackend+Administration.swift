import Conveyor
import Foundation
import RedisClient

/// The admin operations on Sidekiq's layout: the sorted sets, the queue lists, the process registry
/// and each process's signal list, read and written as Sidekiq's API does.
extension RedisBackend: JobAdministration {
    public func entries(in set: JobSet, offset: Int, limit: Int) async throws -> JobSetPage {
        let start = max(0, offset)
        // One transaction, so the page and the total describe the same moment.
        var commands = [RedisCommand("MULTI"), RedisCommand("ZCARD", keys.set(set))]
        if limit > 0 {
            // Clamped so that no offset and limit, however large, can overflow the last index.
            let last = start > Int.max - limit ? Int.max : start + limit - 1
            commands.append(RedisCommand("ZRANGE", keys.set(set), start, last, "WITHSCORES"))
        }
        commands.append(RedisCommand("EXEC"))
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        let results = replies.last?.array ?? []
        let members = results.count > 1 ? results[1].array ?? [] : []
        let entries = stride(from: 0, to: members.count - 1, by: 2).compactMap { index -> JobSetEntry? in
            guard let payload = members[index].bytes, let score = members[index + 1].string.flatMap(Double.init) else { return nil }
            return JobSetEntry(score: score, payload: payload)
        }
        return JobSetPage(entries: entries, offset: start, total: results.first?.integer ?? 0)
    }

    /// Finds a set's member by ID: `ZSCAN` narrowed by a pattern on the jid's text, then an exact
    /// comparison of the member's `jid` field, so a jid that appears in another job's args never
    /// matches; malformed members that still have a `jid` are found too. A member without a jid is
    /// found by its ``JobSetEntry/id`` (`payload-` and its SHA-1), which needs a scan of every member.
    public func entry(id: String, in set: JobSet) async throws -> JobSetEntry {
        let isContentID = id.hasPrefix(JobSetEntry.payloadIDPrefix)
        let pattern = isContentID ? "*" : "*" + Self.escapeGlob(id) + "*"
        var cursor = "0"
        repeat {
            let reply = try await client.send("ZSCAN", keys.set(set), cursor, "MATCH", pattern, "COUNT", 1000).array ?? []
            cursor = reply.first?.string ?? "0"
            let members = reply.count > 1 ? reply[1].array ?? [] : []
            for index in stride(from: 0, to: members.count - 1, by: 2) {
                guard let payload = members[index].bytes, let score = members[index + 1].string.flatMap(Double.init) else { continue }
                let entry = JobSetEntry(score: score, payload: payload)
                if isContentID ? (entry.jid == nil && entry.id == id) : entry.jid == id { return entry }
            }
        } while cursor != "0"
        throw AdminError.unknownJID(id, set: set)
    }

    @discardableResult
    public func enqueueNow(id: String, from set: JobSet) async throws -> JobSetEntry {
        let entry = try await entry(id: id, in: set)
        // Stamped by Redis's clock, as the poller stamps the jobs it promotes.
        guard try await release([entry.payload], from: set, now: serverTime()) == 1 else {
            throw AdminError.unknownJID(id, set: set)
        }
        return entry
    }

    @discardableResult
    public func delete(id: String, from set: JobSet) async throws -> JobSetEntry {
        let entry = try await entry(id: id, in: set)
        var scriptKeys: [any RedisArgument] = [keys.set(set)]
        var arguments: [any RedisArgument] = [entry.payload]
        if let unique = UniqueLock.digest(inPayload: entry.payload) {
            scriptKeys.append(keys.uniqueLock(unique.digest))
            arguments.append(unique.jid)
        }
        guard try await client.run(RedisScripts.deleteMember, keys: scriptKeys, arguments: arguments).integer == 1 else {
            throw AdminError.unknownJID(id, set: set)
        }
        return entry
    }

    @discardableResult
    public func kill(id: String, from set: JobSet) async throws -> JobSetEntry {
        let entry = try await entry(id: id, in: set)
        guard set != .dead else { return entry }
        let now = try await serverTime()
        var scriptKeys: [any RedisArgument] = [keys.set(set), keys.set(.dead)]
        var arguments: [any RedisArgument] = [entry.payload, now, Self.deadSetLimit, now - Self.deadSetMaximumAge]
        if let unique = UniqueLock.digest(inPayload: entry.payload) {
            scriptKeys.append(keys.uniqueLock(unique.digest))
            arguments.append(unique.jid)
        }
        let moved = try await client.run(RedisScripts.kill, keys: scriptKeys, arguments: arguments)
        guard moved.integer == 1 else { throw AdminError.unknownJID(id, set: set) }
        return entry
    }

    @discardableResult
    public func clear(_ set: JobSet) async throws -> Int {
        let commands = [RedisCommand("MULTI"), RedisCommand("ZCARD", keys.set(set)), RedisCommand("UNLINK", keys.set(set)), RedisCommand("EXEC")]
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        return replies.last?.array?.first?.integer ?? 0
    }

    public func queues() async throws -> [QueueSummary] {
        let reads = [RedisCommand("SMEMBERS", keys.queues), RedisCommand("SMEMBERS", keys.pausedQueues)]
        let names = try await client.pipeline(reads)
        try Self.check(names, reads)
        let paused = Set((names[1].array ?? []).compactMap(\.string))
        let all = Set((names[0].array ?? []).compactMap(\.string)).union(paused).sorted()
        guard !all.isEmpty else { return [] }
        // The oldest job is at the pop end (the right), where Sidekiq's `Queue#latency` reads it too.
        var commands: [RedisCommand] = []
        for name in all {
            commands += [RedisCommand("LLEN", keys.queue(name)), RedisCommand("LINDEX", keys.queue(name), -1)]
        }
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        let now = WallClock.now()
        return all.enumerated().map { index, name in
            QueueSummary(
                name: name, size: replies[2 * index].integer ?? 0,
                latency: QueueSummary.latency(ofNext: replies[2 * index + 1].bytes, now: now),
                isPaused: paused.contains(name)
            )
        }
    }

    /// Adds the name to the paused set (``RedisKeys/pausedQueues``), which every fetch reads.
    @discardableResult
    public func pauseQueue(_ name: String) async throws -> Bool {
        try await client.send("SADD", keys.pausedQueues, name).integer == 1
    }

    @discardableResult
    public func resumeQueue(_ name: String) async throws -> Bool {
        try await client.send("SREM", keys.pausedQueues, name).integer == 1
    }

    @discardableResult
    public func clearQueue(_ name: String) async throws -> Int {
        try await client.run(RedisScripts.clearQueue, keys: [keys.queue(name)], arguments: []).integer ?? 0
    }

    /// How long a cancel mark waits for the worker running the job to read it.
    static let cancellationLifetime = 86_400

    /// The schedule and retry sets are searched as ``entry(id:in:)`` does and the entry removed with
    /// `ZREM`; each queue is read in pages of 1000 with `LRANGE` and the job removed with `LREM`, which
    /// removes it only if no worker fetched it meanwhile. A fetched job is looked for in the private
    /// lists (a worker's running jobs, bounded by its concurrency), after the mark is set, so a job
    /// moving from its queue to a worker at that moment is found there.
    @discardableResult
    public func cancel(jid: String) async throws -> CancelOutcome {
        for set in [JobSet.schedule, .retry] {
            do {
                try await delete(id: jid, from: set)
                return .removed(from: set)
            } catch AdminError.unknownJID {
                continue
            }
        }
        let names = (try await client.send("SMEMBERS", keys.queues).array ?? []).compactMap(\.string).sorted()
        let page = 1000
        for name in names {
            var start = 0
            while true {
                let payloads = (try await client.send("LRANGE", keys.queue(name), start, start + page - 1).array ?? []).compactMap(\.bytes)
                for payload in payloads where Self.isJob(payload, jid: jid) {
                    var scriptKeys: [any RedisArgument] = [keys.queue(name)]
                    var arguments: [any RedisArgument] = [payload]
                    if let unique = UniqueLock.digest(inPayload: payload) {
                        scriptKeys.append(keys.uniqueLock(unique.digest))
                        arguments.append(unique.jid)
                    }
                    if try await client.run(RedisScripts.removeQueued, keys: scriptKeys, arguments: arguments).integer == 1 { return .dequeued(queue: name) }
                }
                if payloads.count < page { break }
                start += page
            }
        }
        try await client.send("SET", keys.cancellation(jid), "1", "EX", Self.cancellationLifetime)
        let lists = try await client.send("HGETALL", keys.privateLists).array ?? []
        for index in stride(from: 0, to: lists.count - 1, by: 2) {
            guard let list = lists[index].bytes, let owner = lists[index + 1].string?.split(separator: "\n").first else { continue }
            let payloads = (try await client.send("LRANGE", list, 0, -1).array ?? []).compactMap(\.bytes)
            if payloads.contains(where: { Self.isJob($0, jid: jid) }) { return .cancelling(owner: String(owner)) }
        }
        try await client.send("DEL", keys.cancellation(jid))
        throw AdminError.unknownJob(jid)
    }

    /// Whether a payload is the job with this jid: a text search first, so most payloads are never parsed.
    static func isJob(_ payload: [UInt8], jid: String) -> Bool {
        String(decoding: payload, as: UTF8.self).contains(jid) && (try? Job(json: payload))?.jid == jid
    }

    public func periodicJobs() async throws -> [(job: PeriodicJob, lastTick: Date?)] {
        let flat = try await client.send("HGETALL", keys.periodicEntries).array ?? []
        let last = try await lastPeriodicTicks()
        var entries: [(job: PeriodicJob, lastTick: Date?)] = []
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            guard let name = flat[index].string, let json = flat[index + 1].bytes.flatMap({ try? JSONValue.parse($0) }),
                  let job = PeriodicJob(name: name, summary: json) else { continue }
            entries.append((job, last[name]))
        }
        return entries.sorted { $0.job.name < $1.job.name }
    }

    public func processes() async throws -> [ProcessSummary] {
        let identities = (try await client.send("SMEMBERS", keys.processes).array ?? []).compactMap(\.string).sorted()
        guard !identities.isEmpty else { return [] }
        let commands = identities.map { RedisCommand("HMGET", keys.process($0), "info", "busy", "beat", "quiet") }
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        let now = WallClock.now()
        return zip(identities, replies).compactMap { identity, reply in
            let fields = reply.array ?? []
            guard fields.count == 4, let beat = fields[2].string.flatMap(Double.init) else { return nil }
            let info = fields[0].bytes.flatMap { try? JSONValue.parse($0) }?.objectValue ?? JSONObject()
            return ProcessSummary(
                identity: identity, busy: fields[1].integer ?? 0, beatAge: Self.age(since: beat, now: now),
                isQuiet: fields[3].string == "true", queues: ProcessSummary.queues(in: info), info: info
            )
        }
    }

    /// Pushes the signal onto `IDENTITY-signals`, expiring in 60 s as Sidekiq's API does. A Conveyor
    /// worker counts as live while its lease exists (Redis expires it by its own clock after the
    /// worker's `--stale-after` without a beat); a process without a lease (a Sidekiq process, or a
    /// Conveyor worker from before leases) while its `beat` is at most
    /// ``RecoveryPolicy/defaultStaleHeartbeatAge`` seconds old. A killed worker's hash lingers until
    /// it expires, and a signal to it would never be obeyed.
    public func send(_ signal: WorkerSignal, to identity: String) async throws {
        let reads = [
            RedisCommand("HMGET", keys.process(identity), "beat", "info", "lease"),
            RedisCommand("EXISTS", keys.lease(identity)),
        ]
        let replies = try await client.pipeline(reads)
        try Self.check(replies, reads)
        let fields = replies[0].array ?? []
        guard fields.count == 3, fields[0].string != nil || fields[1].bytes != nil else {
            throw AdminError.unknownProcess(identity)
        }
        let beatAge = fields[0].string.flatMap(Double.init).map { WallClock.now() - $0 }
        let holdsLease = replies[1].integer == 1
        if fields[2].isNull {
            if let beatAge, beatAge > RecoveryPolicy.defaultStaleHeartbeatAge.inSeconds { throw AdminError.stoppedProcess(identity, beatAge: beatAge) }
        } else if !holdsLease {
            throw AdminError.stoppedProcess(identity, beatAge: beatAge ?? .infinity)
        }
        let commands = [
            RedisCommand("MULTI"),
            RedisCommand("LPUSH", keys.signals(identity), signal.rawValue),
            RedisCommand("EXPIRE", keys.signals(identity), 60),
            RedisCommand("EXEC"),
        ]
        try Self.check(try await client.pipeline(commands), commands)
    }

    /// Offset 0 is the pop end (the right), where workers take the next job, so the page is read from
    /// the right with negative indexes and reversed; `LLEN` and `LRANGE` in one transaction.
    public func jobs(inQueue queue: String, offset: Int, limit: Int) async throws -> QueuePage {
        let start = max(0, offset)
        var commands = [RedisCommand("MULTI"), RedisCommand("LLEN", keys.queue(queue))]
        if limit > 0, start < Int.max - limit {
            commands.append(RedisCommand("LRANGE", keys.queue(queue), -(start + limit), -(start + 1)))
        }
        commands.append(RedisCommand("EXEC"))
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        let results = replies.last?.array ?? []
        let payloads = results.count > 1 ? (results[1].array ?? []).compactMap(\.bytes) : []
        return QueuePage(payloads: payloads.reversed(), offset: start, total: results.first?.integer ?? 0)
    }

    /// Finds the job by reading the list in windows of 1,000 from the pop end, then removes exactly that
    /// payload with `LREM` (atomic on its own: when a worker fetched the job in between, it removes
    /// nothing and the caller hears so), as Sidekiq's `JobRecord#delete` does.
    @discardableResult
    public func deleteJob(id: String, fromQueue queue: String) async throws -> JobSetEntry {
        let window = 1000
        var start = 0
        while true {
            let reply = try await client.send("LRANGE", keys.queue(queue), -(start + window), -(start + 1)).array ?? []
            for payload in reply.compactMap(\.bytes).reversed() {
                let entry = JobSetEntry(score: 0, payload: payload)
                guard entry.id == id else { continue }
                guard try await client.send("LREM", keys.queue(queue), -1, payload).integer == 1 else {
                    throw AdminError.unknownQueuedJob(id, queue: queue)
                }
                return entry
            }
            if reply.count < window { throw AdminError.unknownQueuedJob(id, queue: queue) }
            start += window
        }
    }

    /// The list and its name in `queues` go in one transaction, so a listing never shows a queue that
    /// is half cleared.
    @discardableResult

    /// Reads the set in score order, 1,000 members per `ZRANGE`, keeping only the page's matches and
    /// counting the rest: memory stays bounded by the window whatever the set's size. Members added or
    /// removed while it reads may be missed or counted twice, as with any paging of a live set.
    public func entries(in set: JobSet, containing text: String, offset: Int, limit: Int) async throws -> JobSetPage {
        let window = 1000
        let start = max(0, offset)
        var matches: [JobSetEntry] = []
        var total = 0
        var position = 0
        while true {
            let reply = try await client.send("ZRANGE", keys.set(set), position, position + window - 1, "WITHSCORES").array ?? []
            for index in stride(from: 0, to: reply.count - 1, by: 2) {
                guard let payload = reply[index].bytes, let score = reply[index + 1].string.flatMap(Double.init) else { continue }
                let entry = JobSetEntry(score: score, payload: payload)
                guard entry.contains(text) else { continue }
                if total >= start, matches.count < limit { matches.append(entry) }
                total += 1
            }
            if reply.count < 2 * window { break }
            position += window
        }
        return JobSetPage(entries: matches, offset: start, total: total)
    }

    public func history(days: Int, endingAt now: Double) async throws -> [DailyCount] {
        let names = DailyCount.days(days, endingAt: now)
        guard !names.isEmpty else { return [] }
        let commands = [RedisCommand("MGET", arguments: names.map { keys.processed(day: $0) }), RedisCommand("MGET", arguments: names.map { keys.failed(day: $0) })]
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        let processed = replies[0].array ?? [], failed = replies[1].array ?? []
        return names.enumerated().map { index, day in
            DailyCount(
                day: day, processed: index < processed.count ? processed[index].integer ?? 0 : 0,
                failed: index < failed.count ? failed[index].integer ?? 0 : 0
            )
        }
    }

    /// Each live process's `IDENTITY:workers` hash, which its every beat rewrites.
    public func runningJobs() async throws -> [RunningJob] {
        let identities = (try await client.send("SMEMBERS", keys.processes).array ?? []).compactMap(\.string).sorted()
        guard !identities.isEmpty else { return [] }
        let commands = identities.map { RedisCommand("HGETALL", keys.workers($0)) }
        let replies = try await client.pipeline(commands)
        try Self.check(replies, commands)
        return zip(identities, replies).flatMap { identity, reply -> [RunningJob] in
            let fields = reply.array ?? []
            let jobs = stride(from: 0, to: fields.count - 1, by: 2).compactMap { index -> RunningJob? in
                guard let work = fields[index + 1].bytes.flatMap({ try? JSONValue.parse($0) })?.objectValue else { return nil }
                return RunningJob(identity: identity, work: work)
            }
            return jobs.sorted { $0.runAt < $1.runAt }
        }
    }

    public func serverInfo() async throws -> [String: String] {
        let text = try await client.send("INFO").string ?? ""
        var info: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            if ["redis_version", "used_memory_human", "used_memory_peak_human", "connected_clients", "uptime_in_days", "maxmemory_human"].contains(name) {
                info[name] = String(line[line.index(after: colon)...])
            }
        }
        return info
    }

    /// Seconds since a `beat` read from Redis, within 0 … 1e9 so that a hand-written `inf` or `1e300`
    /// cannot trap a conversion later.
    static func age(since beat: Double, now: Double) -> Double {
        let age = now - beat
        return age.isNaN ? 1e9 : min(max(0, age), 1e9)
    }

    /// A jid as a `ZSCAN MATCH` pattern that matches only its own text.
    static func escapeGlob(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
