import ConveyorSupport
import Foundation

/// The admin operations on the in-memory sets, queues and heartbeats. Each runs under the backend's
/// one lock, so each is atomic as its Redis counterpart's script or transaction is.
extension InMemoryBackend: JobAdministration {
    public func entries(in set: JobSet, offset: Int, limit: Int) async throws -> JobSetPage {
        state.withLock { state in
            let members = state.sets[set] ?? []
            let start = min(max(0, offset), members.count)
            let end = limit > 0 ? min(members.count, start + min(limit, members.count)) : start
            let entries = members[start..<end].map { JobSetEntry(score: $0.score, payload: $0.payload) }
            return JobSetPage(entries: entries, offset: max(0, offset), total: members.count)
        }
    }

    public func entry(id: String, in set: JobSet) async throws -> JobSetEntry {
        try state.withLock { state in
            let index = try Self.index(of: id, in: set, in: state)
            let member = state.sets[set]![index]
            return JobSetEntry(score: member.score, payload: member.payload)
        }
    }

    @discardableResult
    public func enqueueNow(id: String, from set: JobSet) async throws -> JobSetEntry {
        try state.withLockThenBroadcast { state in
            let entry = try Self.remove(id, from: set, in: &state)
            let job = EncodedJob(releasing: entry.payload, now: WallClock.now())
            state.queues[job.queue, default: []].append(job.payload)
            return entry
        }
    }

    @discardableResult
    public func delete(id: String, from set: JobSet) async throws -> JobSetEntry {
        try state.withLock { state in
            let entry = try Self.remove(id, from: set, in: &state)
            Self.releaseUniqueLock(of: entry.payload, in: &state)
            return entry
        }
    }

    @discardableResult
    public func kill(id: String, from set: JobSet) async throws -> JobSetEntry {
        try state.withLock { state in
            guard set != .dead else {
                let member = state.sets[.dead]![try Self.index(of: id, in: .dead, in: state)]
                return JobSetEntry(score: member.score, payload: member.payload)
            }
            let entry = try Self.remove(id, from: set, in: &state)
            Self.insert(entry.payload, score: WallClock.now(), into: .dead, in: &state)
            Self.releaseUniqueLock(of: entry.payload, in: &state)
            return entry
        }
    }

    @discardableResult
    public func clear(_ set: JobSet) async throws -> Int {
        state.withLock { state in state.sets.removeValue(forKey: set)?.count ?? 0 }
    }

    public func queues() async throws -> [QueueSummary] {
        let now = WallClock.now()
        return state.withLock { state in
            // The fetcher pops from the front, so the front is the job that has waited longest.
            Set(state.queues.keys).union(state.pausedQueues).map { name in
                let payloads = state.queues[name] ?? []
                return QueueSummary(
                    name: name, size: payloads.count, latency: QueueSummary.latency(ofNext: payloads.first, now: now),
                    isPaused: state.pausedQueues.contains(name)
                )
            }
        }.sorted { $0.name < $1.name }
    }

    @discardableResult
    public func pauseQueue(_ name: String) async throws -> Bool {
        state.withLock { state in state.pausedQueues.insert(name).inserted }
    }

    @discardableResult
    public func resumeQueue(_ name: String) async throws -> Bool {
        // Broadcast: a fetcher waiting while every queue was paused may now take a job.
        state.withLockThenBroadcast { state in state.pausedQueues.remove(name) != nil }
    }

    @discardableResult
    public func clearQueue(_ name: String) async throws -> Int {
        state.withLock { state in
            let size = state.queues[name]?.count ?? 0
            if size > 0 { state.queues[name] = [] }
            return size
        }
    }

    @discardableResult
    public func cancel(jid: String) async throws -> CancelOutcome {
        try state.withLock { state in
            for set in [JobSet.schedule, .retry] {
                if let entry = try? Self.remove(jid, from: set, in: &state) {
                    Self.releaseUniqueLock(of: entry.payload, in: &state)
                    return .removed(from: set)
                }
            }
            for (name, payloads) in state.queues {
                if let index = payloads.firstIndex(where: { (try? Job(json: $0))?.jid == jid }) {
                    let payload = state.queues[name]!.remove(at: index)
                    Self.releaseUniqueLock(of: payload, in: &state)
                    return .dequeued(queue: name)
                }
            }
            for (key, payloads) in state.privateLists where payloads.contains(where: { (try? Job(json: $0))?.jid == jid }) {
                state.cancellations.insert(jid)
                return .cancelling(owner: key.owner)
            }
            throw AdminError.unknownJob(jid)
        }
    }

    public func periodicJobs() async throws -> [(job: PeriodicJob, lastTick: Date?)] {
        state.withLock { state in
            state.periodicJobs.values.sorted { $0.name < $1.name }.map { ($0, state.periodicLastTicks[$0.name]) }
        }
    }

    public func processes() async throws -> [ProcessSummary] {
        state.withLock { state in
            let now = MonotonicClock.now()
            return state.heartbeats.values.filter { $0.expiresAt > now }.map { entry in
                ProcessSummary(
                    identity: entry.heartbeat.identity, busy: entry.heartbeat.busy, beatAge: max(0, now - entry.beatAt),
                    isQuiet: entry.heartbeat.isQuiet, queues: ProcessSummary.queues(in: entry.heartbeat.info),
                    info: entry.heartbeat.info
                )
            }
        }.sorted { $0.identity < $1.identity }
    }

    public func send(_ signal: WorkerSignal, to identity: String) async throws {
        try state.withLock { state in
            let now = MonotonicClock.now()
            guard let entry = state.heartbeats[identity], entry.expiresAt > now else {
                throw AdminError.unknownProcess(identity)
            }
            guard entry.leaseExpiresAt > now else {
                throw AdminError.stoppedProcess(identity, beatAge: now - entry.beatAt)
            }
            // Pushed at the head and popped at the tail by the next beat, as Sidekiq's LPUSH/RPOP.
            state.signals[identity, default: []].insert(signal, at: 0)
        }
    }

    public func jobs(inQueue queue: String, offset: Int, limit: Int) async throws -> QueuePage {
        state.withLock { state in
            let payloads = state.queues[queue] ?? []
            let start = min(max(0, offset), payloads.count)
            let end = limit > 0 ? start + min(limit, payloads.count - start) : start
            return QueuePage(payloads: Array(payloads[start..<end]), offset: max(0, offset), total: payloads.count)
        }
    }

    @discardableResult
    public func deleteJob(id: String, fromQueue queue: String) async throws -> JobSetEntry {
        try state.withLock { state in
            guard let index = state.queues[queue]?.firstIndex(where: { JobSetEntry(score: 0, payload: $0).id == id }) else {
                throw AdminError.unknownQueuedJob(id, queue: queue)
            }
            return JobSetEntry(score: 0, payload: state.queues[queue]!.remove(at: index))
        }
    }

    @discardableResult
    public func entries(in set: JobSet, containing text: String, offset: Int, limit: Int) async throws -> JobSetPage {
        state.withLock { state in
            let matches = (state.sets[set] ?? []).lazy.map { JobSetEntry(score: $0.score, payload: $0.payload) }.filter { $0.contains(text) }
            let all = Array(matches)
            let start = min(max(0, offset), all.count)
            let end = limit > 0 ? start + min(limit, all.count - start) : start
            return JobSetPage(entries: Array(all[start..<end]), offset: max(0, offset), total: all.count)
        }
    }

    public func history(days: Int, endingAt now: Double) async throws -> [DailyCount] {
        let names = DailyCount.days(days, endingAt: now)
        return state.withLock { state in
            names.map { DailyCount(day: $0, processed: state.daily[$0]?.processed ?? 0, failed: state.daily[$0]?.failed ?? 0) }
        }
    }

    public func runningJobs() async throws -> [RunningJob] {
        state.withLock { state in
            let now = MonotonicClock.now()
            return state.heartbeats.values.filter { $0.expiresAt > now }.flatMap { entry in
                entry.heartbeat.runningJobs.sorted { $0.key < $1.key }.compactMap { RunningJob(identity: entry.heartbeat.identity, work: $0.value) }
            }
        }.sorted { ($0.identity, $0.runAt) < ($1.identity, $1.runAt) }
    }

    public func serverInfo() async throws -> [String: String] {
        ["backend": "in-memory"]
    }

    /// Where the member named `id` sits in a set.
    static func index(of id: String, in set: JobSet, in state: State) throws -> Int {
        let isContentID = id.hasPrefix(JobSetEntry.payloadIDPrefix)
        let index = state.sets[set]?.firstIndex { member in
            let entry = JobSetEntry(score: member.score, payload: member.payload)
            return isContentID ? (entry.jid == nil && entry.id == id) : entry.jid == id
        }
        guard let index else { throw AdminError.unknownJID(id, set: set) }
        return index
    }

    /// Takes the member named `id` out of a set.
    static func remove(_ id: String, from set: JobSet, in state: inout State) throws -> JobSetEntry {
        let index = try index(of: id, in: set, in: state)
        let member = state.sets[set]!.remove(at: index)
        return JobSetEntry(score: member.score, payload: member.payload)
    }
}
