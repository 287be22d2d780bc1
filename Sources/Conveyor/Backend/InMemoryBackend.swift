import ConveyorSupport
import Foundation
import DequeModule

/// A backend in process memory, for unit-testing handlers without a Redis server.
///
/// It keeps the semantics of the Redis backend (reliable fetch into per-worker private lists, blocking
/// fetch with a timeout, requeue to the pop end, retry and dead sets, heartbeats) and passes the same
/// conformance suite, so a handler that behaves here behaves against Redis.
///
/// ```swift
/// let backend = InMemoryBackend()
/// let producer = Producer(backend: backend)
/// try await producer.push(SendWelcomeEmail(userID: 42))
/// let worker = Worker(backend: backend, registry: registry)
/// try await worker.runUntilIdle()
/// #expect(backend.statistics.processed == 1)
/// ```
public final class InMemoryBackend: JobBackend {
    struct State {
        var queues: [String: Deque<[UInt8]>] = [:]
        var privateLists: [PrivateListKey: [[UInt8]]] = [:]
        var sets: [JobSet: [(score: Double, payload: [UInt8])]] = [:]
        var processed = 0
        var failed = 0
        /// The daily counters by UTC day, as Sidekiq's `stat:processed:YYYY-MM-DD` (never expired here).
        var daily: [String: (processed: Int, failed: Int)] = [:]
        /// Each process's last heartbeat, when it beat, when its registry entry expires and when its
        /// lease does (monotonic seconds: one process, one clock).
        var heartbeats: [String: (heartbeat: WorkerHeartbeat, beatAt: Double, expiresAt: Double, leaseExpiresAt: Double)] = [:]
        var signals: [String: [WorkerSignal]] = [:]
        /// The jids of recovered jobs that their worker marked as started, per private list.
        var startMarks: [PrivateListKey: Set<String>] = [:]
        /// The paused queues' names, skipped by every fetcher.
        var pausedQueues: Set<String> = []
        /// The jids with a cancel mark.
        var cancellations: Set<String> = []
        /// Unique locks by digest: the holder's jid and when the lock expires (monotonic seconds).
        var uniqueLocks: [String: (jid: String, expiresAt: Double)] = [:]
        /// Claimed periodic ticks ("name\ntick") and when each claim expires (monotonic seconds).
        var periodicClaims: [String: Double] = [:]
        /// The last pushed tick of each periodic job.
        var periodicLastTicks: [String: Date] = [:]
        /// The published schedule entries.
        var periodicJobs: [String: PeriodicJob] = [:]
        /// Concurrency slots: limit key → holder → lease expiry (monotonic seconds).
        var concurrencySlots: [String: [String: Double]] = [:]
        /// Rate-limit counters: key → (window number, runs counted in it).
        var rateWindows: [String: (window: Int, count: Int)] = [:]
    }

    struct PrivateListKey: Hashable {
        let owner: String
        let queue: String
    }

    let state = ConditionLock(State())

    /// Creates an empty backend.
    public init() {}

    public func push(_ jobs: [EncodedJob]) async throws {
        state.withLockThenBroadcast { state in
            for job in jobs {
                state.queues[job.queue, default: []].append(job.payload)
            }
        }
    }

    public func schedule(_ jobs: [EncodedJob], at time: Double) async throws {
        state.withLock { state in
            for job in jobs { Self.insert(job.payload, score: time, into: .schedule, in: &state) }
        }
    }

    public func promoteDueJobs(limit: Int) async throws -> Int {
        state.withLockThenBroadcast { state in
            let now = WallClock.now()
            var moved = 0
            for set in [JobSet.schedule, .retry] {
                let entries = state.sets[set] ?? []
                let due = entries.prefix { $0.score <= now }.prefix(limit)
                state.sets[set] = Array(entries.dropFirst(due.count))
                for entry in due {
                    let job = EncodedJob(releasing: entry.payload, now: now)
                    state.queues[job.queue, default: []].append(job.payload)
                }
                moved += due.count
            }
            return moved
        }
    }

    public func makeFetcher(owner: String, queues: [String]) throws -> any JobFetcher {
        InMemoryFetcher(backend: self, owner: owner)
    }

    public func acknowledge(_ jobs: [FetchedJob], statistics: StatisticsDelta) async throws {
        state.withLock { state in
            // A batch nearly always comes from one private list: take it out once, not per job.
            var start = 0
            while start < jobs.count {
                let key = PrivateListKey(owner: jobs[start].owner, queue: jobs[start].queue)
                var end = start + 1
                while end < jobs.count, jobs[end].owner == key.owner, jobs[end].queue == key.queue { end += 1 }
                if var list = state.privateLists.removeValue(forKey: key) {
                    for job in jobs[start..<end] {
                        guard let index = list.firstIndex(of: job.payload) else { continue }
                        list.remove(at: index)
                        Self.releaseUniqueLock(of: job.payload, in: &state)
                    }
                    if !list.isEmpty { state.privateLists[key] = list }
                }
                start = end
            }
            state.processed += statistics.processed
            state.failed += statistics.failed
            if !statistics.isEmpty {
                let day = DailyCount.day(of: WallClock.now())
                state.daily[day, default: (0, 0)].processed += statistics.processed
                state.daily[day, default: (0, 0)].failed += statistics.failed
            }
        }
    }

    public func requeue(_ jobs: [FetchedJob]) async throws {
        state.withLockThenBroadcast { state in
            // Reversed so that the first job given is the first to be fetched again.
            for job in jobs.reversed() where Self.removeFromPrivateList(job, in: &state) {
                state.queues[job.queue, default: []].prepend(job.payload)
            }
        }
    }

    public func move(_ job: FetchedJob, to set: JobSet, payload: [UInt8], score: Double) async throws {
        state.withLock { state in
            guard Self.removeFromPrivateList(job, in: &state) else { return }
            Self.insert(payload, score: score, into: set, in: &state)
            if set == .dead { Self.releaseUniqueLock(of: job.payload, in: &state) }
        }
    }

    public func pushUnique(_ job: EncodedJob, lock: UniqueLock, at time: Double?) async throws -> String? {
        state.withLockThenBroadcast { state in
            let now = MonotonicClock.now()
            if let holder = state.uniqueLocks[lock.digest], holder.expiresAt > now { return holder.jid }
            state.uniqueLocks[lock.digest] = (lock.jid, now + lock.timeToLive.inSeconds)
            if let time {
                Self.insert(job.payload, score: time, into: .schedule, in: &state)
            } else {
                state.queues[job.queue, default: []].append(job.payload)
            }
            return nil
        }
    }

    public func claimPeriodicTick(name: String, tick: Date, job: EncodedJob?, claimLifetime: Duration) async throws -> Bool {
        state.withLockThenBroadcast { state in
            let now = MonotonicClock.now()
            let key = name + "\n" + "\(Int(tick.timeIntervalSince1970))"
            if let expiry = state.periodicClaims[key], expiry > now { return false }
            state.periodicClaims = state.periodicClaims.filter { $0.value > now }
            state.periodicClaims[key] = now + claimLifetime.inSeconds
            if let job {
                state.queues[job.queue, default: []].append(job.payload)
                if tick > state.periodicLastTicks[name] ?? .distantPast { state.periodicLastTicks[name] = tick }
            }
            return true
        }
    }

    public func lastPeriodicTicks() async throws -> [String: Date] {
        state.withLock { $0.periodicLastTicks }
    }

    public func publishPeriodicJobs(_ jobs: [PeriodicJob]) async throws {
        state.withLock { state in
            for job in jobs { state.periodicJobs[job.name] = job }
        }
    }

    public func acquireConcurrencySlot(key: String, holder: String, limit: Int, lease: Duration) async throws -> Bool {
        state.withLock { state in
            let now = MonotonicClock.now()
            var holders = (state.concurrencySlots[key] ?? [:]).filter { $0.value > now }
            defer { state.concurrencySlots[key] = holders }
            guard holders[holder] != nil || holders.count < limit else { return false }
            holders[holder] = now + lease.inSeconds
            return true
        }
    }

    public func releaseConcurrencySlot(key: String, holder: String) async throws {
        state.withLock { state in _ = state.concurrencySlots[key]?.removeValue(forKey: holder) }
    }

    public func renewConcurrencySlots(_ slots: [(key: String, holder: String)], lease: Duration) async throws {
        state.withLock { state in
            let expiry = MonotonicClock.now() + lease.inSeconds
            for slot in slots where state.concurrencySlots[slot.key]?[slot.holder] != nil {
                state.concurrencySlots[slot.key]![slot.holder] = expiry
            }
        }
    }

    public func admitToRateWindow(key: String, limit: Int, window: Duration) async throws -> Duration? {
        state.withLock { state in
            let seconds = max(1, window.inSeconds.rounded())
            let now = WallClock.now()
            let number = Int((now / seconds).rounded(.down))
            var entry = state.rateWindows[key] ?? (number, 0)
            if entry.window != number { entry = (number, 0) }
            guard entry.count < limit else { return .seconds(Double(number + 1) * seconds - now) }
            entry.count += 1
            state.rateWindows[key] = entry
            return nil
        }
    }

    public func releaseUniqueLock(_ digest: String, jid: String) async throws {
        state.withLock { state in Self.releaseUniqueLock(digest, jid: jid, in: &state) }
    }

    /// Releases the lock of the unique job in `payload`, if it holds it.
    static func releaseUniqueLock(of payload: [UInt8], in state: inout State) {
        guard let unique = UniqueLock.digest(inPayload: payload) else { return }
        releaseUniqueLock(unique.digest, jid: unique.jid, in: &state)
    }

    static func releaseUniqueLock(_ digest: String, jid: String, in state: inout State) {
        if state.uniqueLocks[digest]?.jid == jid { state.uniqueLocks[digest] = nil }
    }

    public func beat(_ heartbeat: WorkerHeartbeat) async throws -> HeartbeatReply {
        state.withLock { state in
            let now = MonotonicClock.now()
            let previous = state.heartbeats[heartbeat.identity]
            state.heartbeats[heartbeat.identity] = (heartbeat, now, now + Double(heartbeat.timeToLive), now + heartbeat.leaseDuration)
            // Signals are pushed at the head and popped at the tail, as Sidekiq's LPUSH/RPOP.
            let signal = state.signals[heartbeat.identity]?.popLast()
            let leaseWasHeld = previous.map { $0.leaseExpiresAt > now } ?? false
            return HeartbeatReply(signal: signal, hadLostLease: !heartbeat.isFirst && !leaseWasHeld)
        }
    }

    public func liveProcessCount() async throws -> Int {
        state.withLock { state in
            let now = MonotonicClock.now()
            state.heartbeats = state.heartbeats.filter { $0.value.expiresAt > now }
            return state.heartbeats.count
        }
    }

    public func removeHeartbeat(of identity: String) async throws {
        state.withLock { state in
            _ = state.heartbeats.removeValue(forKey: identity)
            for key in state.startMarks.keys where key.owner == identity && state.privateLists[key] == nil {
                state.startMarks[key] = nil
            }
        }
    }

    public func markStarted(_ job: FetchedJob, jid: String) async throws {
        state.withLock { state in _ = state.startMarks[PrivateListKey(owner: job.owner, queue: job.queue), default: []].insert(jid) }
    }

    public func unmarkStarted(_ job: FetchedJob, jid: String) async throws {
        state.withLock { state in _ = state.startMarks[PrivateListKey(owner: job.owner, queue: job.queue)]?.remove(jid) }
    }

    public func recoverOrphanedJobs(policy: RecoveryPolicy) async throws -> RecoveryResult {
        state.withLockThenBroadcast { state in
            let now = WallClock.now()
            var result = RecoveryResult()
            for (key, payloads) in state.privateLists {
                if let beat = state.heartbeats[key.owner], beat.leaseExpiresAt > MonotonicClock.now() {
                    continue
                }
                let started = state.startMarks[key] ?? []
                // Reversed so the oldest fetched job ends up first to run again.
                for payload in payloads.reversed() {
                    let wasStarted = (try? Job(json: payload)).map { started.contains($0.jid) } ?? false
                    switch RecoveryDecision.decide(payload: payload, wasStarted: wasStarted, policy: policy, now: now) {
                    case .requeue(let rewritten):
                        state.queues[key.queue, default: []].prepend(rewritten)
                        result.requeued += 1
                    case .bury(let rewritten):
                        Self.insert(rewritten, score: now, into: .dead, in: &state)
                        result.buried += 1
                    }
                }
                state.privateLists[key] = nil
                state.startMarks[key] = nil
            }
            return result
        }
    }

    public func statistics() async throws -> BackendStatistics {
        statisticsSnapshot
    }

    /// The same snapshot as ``statistics()``, without `await`, for test assertions.
    public func cancellationRequests(among jids: [String]) async throws -> Set<String> {
        state.withLock { state in state.cancellations.intersection(jids) }
    }

    public func forgetCancellation(of jid: String) async throws {
        state.withLock { state in _ = state.cancellations.remove(jid) }
    }

    public var statisticsSnapshot: BackendStatistics {
        state.withLock { state in
            let now = MonotonicClock.now()
            return BackendStatistics(
                queues: state.queues.mapValues(\.count),
                processed: state.processed,
                failed: state.failed,
                inProgress: state.privateLists.values.reduce(0) { $0 + $1.count },
                retries: state.sets[.retry]?.count ?? 0,
                scheduled: state.sets[.schedule]?.count ?? 0,
                dead: state.sets[.dead]?.count ?? 0,
                processes: state.heartbeats.values.filter { $0.expiresAt > now }.count
            )
        }
    }

    /// The jobs waiting in `queue`, next to run first.
    public func jobs(inQueue queue: String) -> [Job] {
        state.withLock { state in Array(state.queues[queue] ?? []) }.compactMap { try? Job(json: $0) }
    }

    /// The jobs in a sorted set with their scores, lowest score first, without `await`, for test
    /// assertions (``JobAdministration/entries(in:offset:limit:)`` pages through any backend).
    public func jobs(in set: JobSet) -> [(score: Double, job: Job)] {
        state.withLock { state in state.sets[set] ?? [] }.compactMap { entry in
            (try? Job(json: entry.payload)).map { (entry.score, $0) }
        }
    }

    /// The raw payloads in a sorted set, lowest score first, including ones that are not valid jobs,
    /// without `await`, for test assertions.
    public func payloads(in set: JobSet) -> [[UInt8]] {
        state.withLock { state in (state.sets[set] ?? []).map(\.payload) }
    }

    /// Forgets a worker's heartbeat as if it had expired, to simulate a crashed worker in tests.
    public func expireHeartbeat(of identity: String) {
        state.withLock { state in _ = state.heartbeats.removeValue(forKey: identity) }
    }

    /// Expires a worker's lease while its registry entry stays, as when a worker froze for longer than
    /// its lease: for tests of wrongly recovered workers.
    public func expireLease(of identity: String) {
        state.withLock { state in state.heartbeats[identity]?.leaseExpiresAt = MonotonicClock.now() }
    }

    static func insert(_ payload: [UInt8], score: Double, into set: JobSet, in state: inout State) {
        var entries = state.sets[set] ?? []
        let position = entries.firstIndex { $0.score > score } ?? entries.endIndex
        entries.insert((score, payload), at: position)
        state.sets[set] = entries
    }

    @discardableResult
    static func removeFromPrivateList(_ job: FetchedJob, in state: inout State) -> Bool {
        let key = PrivateListKey(owner: job.owner, queue: job.queue)
        guard let index = state.privateLists[key]?.firstIndex(of: job.payload) else { return false }
        state.privateLists[key]!.remove(at: index)
        if state.privateLists[key]!.isEmpty { state.privateLists[key] = nil }
        return true
    }
}
