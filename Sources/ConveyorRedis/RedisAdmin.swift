import Conveyor
import RedisClient

/// What `conveyor retry|dead|scheduled|processes|quiet|stop` do, on the Redis layout: list and move
/// jobs in the sorted sets, list worker processes, and send them signals the way Sidekiq's API does.
///
/// ```swift
/// let admin = RedisAdmin(backend: try await RedisBackend.connect())
/// let job = try await admin.enqueueNow(jid: "b4a577edbccf1d805744efa9", from: .dead)
/// try await admin.send(.quiet, to: "web-1:4242:0a1b2c3d4e5f")
/// ```
public struct RedisAdmin: Sendable {
    /// The backend whose keys and client are used.
    public let backend: RedisBackend

    /// Creates the admin view of a backend.
    public init(backend: RedisBackend) {
        self.backend = backend
    }

    private var client: RedisClient { backend.client }
    private var keys: RedisKeys { backend.keys }

    /// The entries of a sorted set, lowest score (soonest or oldest) first, at most `limit`.
    public func entries(in set: JobSet, limit: Int) async throws -> [JobSetEntry] {
        guard limit > 0 else { return [] }
        let reply = try await client.send("ZRANGE", keys.set(set), 0, limit - 1, "WITHSCORES").array ?? []
        return stride(from: 0, to: reply.count - 1, by: 2).compactMap { index in
            guard let payload = reply[index].bytes, let score = reply[index + 1].string.flatMap(Double.init) else { return nil }
            return JobSetEntry(score: score, payload: payload)
        }
    }

    /// Moves the job with `jid` from a set to its queue at once, with a fresh `enqueued_at` and its
    /// other fields unchanged, in the same atomic script the poller uses. Returns the job as pushed.
    @discardableResult
    public func enqueueNow(jid: String, from set: JobSet) async throws -> Job {
        let entry = try await find(jid: jid, in: set)
        guard try await backend.release([entry.payload], from: set, now: Clock.now()) == 1 else {
            throw RedisAdminError.unknownJID(jid, set: set)
        }
        return entry.job ?? Job(className: "?", jid: jid)
    }

    /// Deletes the job with `jid` from a set. Returns the deleted entry.
    @discardableResult
    public func delete(jid: String, from set: JobSet) async throws -> JobSetEntry {
        let entry = try await find(jid: jid, in: set)
        guard try await client.send("ZREM", keys.set(set), entry.payload).integer == 1 else {
            throw RedisAdminError.unknownJID(jid, set: set)
        }
        return entry
    }

    /// Empties a set; returns how many jobs it held.
    @discardableResult
    public func clear(_ set: JobSet) async throws -> Int {
        let commands = [RedisCommand("MULTI"), RedisCommand("ZCARD", keys.set(set)), RedisCommand("UNLINK", keys.set(set)), RedisCommand("EXEC")]
        let replies = try await client.pipeline(commands)
        try RedisBackend.check(replies, commands)
        return replies.last?.array?.first?.integer ?? 0
    }

    /// The worker processes with a live heartbeat, by identity.
    public func processes() async throws -> [ProcessSummary] {
        let identities = (try await client.send("SMEMBERS", keys.processes).array ?? []).compactMap(\.string).sorted()
        guard !identities.isEmpty else { return [] }
        let commands = identities.map { RedisCommand("HMGET", keys.process($0), "info", "busy", "beat", "quiet") }
        let replies = try await client.pipeline(commands)
        try RedisBackend.check(replies, commands)
        let now = Clock.now()
        return zip(identities, replies).compactMap { identity, reply in
            let fields = reply.array ?? []
            guard fields.count == 4, let beat = fields[2].string.flatMap(Double.init) else { return nil }
            let info = fields[0].bytes.flatMap { try? JSONValue.parse($0) }?.objectValue ?? JSONObject()
            var queues: [String] = []
            for queue in info["queues"]?.arrayValue ?? [] {
                if let name = queue.stringValue, !queues.contains(name) { queues.append(name) }
            }
            return ProcessSummary(
                identity: identity, busy: fields[1].integer ?? 0, beatAge: Self.age(since: beat, now: now),
                isQuiet: fields[3].string == "true", queues: queues
            )
        }
    }

    /// Sends a live worker a signal (`LPUSH IDENTITY-signals`, expiring in 60 s as Sidekiq's API does);
    /// its next heartbeat pops and obeys it. A Conveyor worker counts as live while its lease exists
    /// (Redis expires it by its own clock after the worker's `--stale-after` without a beat); a process
    /// without a lease (a Sidekiq process, or a Conveyor worker from before leases) while its `beat` is
    /// at most `staleAfter` seconds old. A killed worker's hash lingers until it expires, and a signal
    /// to it would never be obeyed.
    public func send(_ signal: WorkerSignal, to identity: String, staleAfter: Double = RecoveryPolicy().staleHeartbeatAge) async throws {
        let reads = [
            RedisCommand("HMGET", keys.process(identity), "beat", "info", "lease"),
            RedisCommand("EXISTS", keys.lease(identity)),
        ]
        let replies = try await client.pipeline(reads)
        try RedisBackend.check(replies, reads)
        let fields = replies[0].array ?? []
        guard fields.count == 3, fields[0].string != nil || fields[1].bytes != nil else {
            throw RedisAdminError.unknownProcess(identity)
        }
        let beatAge = fields[0].string.flatMap(Double.init).map { Clock.now() - $0 }
        let holdsLease = replies[1].integer == 1
        if fields[2].isNull {
            if let beatAge, beatAge > staleAfter { throw RedisAdminError.stoppedProcess(identity, beatAge: beatAge) }
        } else if !holdsLease {
            throw RedisAdminError.stoppedProcess(identity, beatAge: beatAge ?? .infinity)
        }
        let commands = [
            RedisCommand("MULTI"),
            RedisCommand("LPUSH", keys.signals(identity), signal.rawValue),
            RedisCommand("EXPIRE", keys.signals(identity), 60),
            RedisCommand("EXEC"),
        ]
        try RedisBackend.check(try await client.pipeline(commands), commands)
    }

    /// Finds a set's member by jid: `ZSCAN` narrowed by a pattern on the jid's text, then an exact
    /// comparison of the member's `jid` field, so a jid that appears in another job's args never
    /// matches; malformed members that still have a `jid` are found too. A member without a jid is
    /// found by its ``JobSetEntry/id`` (`payload-` and its SHA-1), which needs a scan of every member.
    func find(jid: String, in set: JobSet) async throws -> JobSetEntry {
        let byContent = jid.hasPrefix(JobSetEntry.payloadIDPrefix)
        let pattern = byContent ? "*" : "*" + Self.escapeGlob(jid) + "*"
        var cursor = "0"
        repeat {
            let reply = try await client.send("ZSCAN", keys.set(set), cursor, "MATCH", pattern, "COUNT", 1000).array ?? []
            cursor = reply.first?.string ?? "0"
            let members = reply.count > 1 ? reply[1].array ?? [] : []
            for index in stride(from: 0, to: members.count - 1, by: 2) {
                guard let payload = members[index].bytes, let score = members[index + 1].string.flatMap(Double.init) else { continue }
                let entry = JobSetEntry(score: score, payload: payload)
                if byContent ? (entry.jid == nil && entry.id == jid) : entry.jid == jid { return entry }
            }
        } while cursor != "0"
        throw RedisAdminError.unknownJID(jid, set: set)
    }

    /// Seconds since a `beat` read from Redis, within 0 … 1e9 so that a hand-written `inf` or `1e300`
    /// cannot trap a conversion later.
    static func age(since beat: Double, now: Double) -> Double {
        let age = now - beat
        return age.isNaN ? 1e9 : min(max(0, age), 1e9)
    }

    static func escapeGlob(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
