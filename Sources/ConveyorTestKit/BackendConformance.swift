import ConveyorSupport
import Conveyor

/// The behaviour every ``JobBackend`` must have. The same checks run against the in-memory backend
/// and against Redis, which keeps the in-memory backend an honest stand-in for unit tests.
///
/// Each check gets a fresh, empty backend from the factory.
public enum BackendConformance {
    /// One named check.
    public struct Check: Sendable, CustomStringConvertible {
        /// What the check proves.
        public let name: String
        /// Runs the check on a fresh backend; throws ``TestKitError`` when the backend misbehaves.
        public let run: @Sendable (any JobBackend) async throws -> Void
        public var description: String { name }
    }

    /// Every check, in a stable order.
    public static let checks: [Check] = [
        Check(name: "fetch returns pushed jobs oldest first, byte for byte", run: fetchIsFIFO),
        Check(name: "fetch takes at most the requested number of jobs", run: fetchRespectsMaximum),
        Check(name: "fetch checks queues in the order given", run: fetchFollowsQueueOrder),
        Check(name: "a fetched job stays in progress until acknowledged", run: acknowledgeClearsInProgress),
        Check(name: "acknowledging adds to the processed and failed counters", run: acknowledgeCountsStatistics),
        Check(name: "a blocking fetch on empty queues times out empty", run: blockingFetchTimesOut),
        Check(name: "a blocking fetch wakes when a job is pushed", run: blockingFetchWakesOnPush),
        Check(name: "requeue puts jobs back at the pop end, in order", run: requeueGoesToFront),
        Check(name: "requeue of a job no longer in progress does nothing", run: requeueIsIdempotent),
        Check(name: "moving to the retry or dead set removes the job from progress", run: moveToSetRemovesFromProgress),
        Check(name: "a dead worker's in-progress jobs are recovered, a live one's are not", run: recoveryRequeuesOnlyDeadOwners),
        Check(name: "a worker whose lease expired counts as dead, judged by its own lease and not the recoverer's policy", run: recoveryFollowsTheOwnersLease),
        Check(name: "a job recovered more than the maximum times goes to the dead set as a poison pill", run: recoveryBuriesPoisonPills),
        Check(name: "a recovered job that never started on its dead worker is not blamed again", run: recoverySparesUnstartedSuspects),
        Check(name: "a wrongly recovered worker's next fetch registers its private list again", run: fetchRegistersForgottenPrivateList),
        Check(name: "scheduled jobs wait in the schedule set without enqueued_at", run: scheduleStoresWithoutEnqueuedAt),
        Check(name: "promotion moves due scheduled and retry jobs to their queues, fields intact", run: promotionMovesDueJobs),
        Check(name: "promotion moves at most the limit from each set", run: promotionRespectsLimit),
        Check(name: "racing promotions move each due job exactly once", run: racingPromotionsMoveOnce),
        Check(name: "a heartbeat counts as a live process", run: heartbeatCountsLiveProcess),
        Check(name: "binary and unicode payloads survive push and fetch", run: payloadsAreBinarySafe),
        Check(name: "statistics report each queue's size", run: statisticsReportQueues),
    ] + administrationChecks + dashboardChecks

    static func fetchIsFIFO(_ backend: any JobBackend) async throws {
        let jobs = (0..<5).map { index in Job(className: "Noop", args: [.number(JSONNumber(index))], queue: "alpha") }
        try await backend.push(jobs.map(EncodedJob.init))
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["alpha"], maximum: 10, timeout: 0.1)
        try expect(fetched.map(\.payload) == jobs.map { $0.serialized() }, "fetched \(fetched.count) jobs in a different order or form than pushed")
        try expect(fetched.allSatisfy { $0.queue == "alpha" && $0.owner == "w1" }, "fetched jobs name the wrong queue or owner")
    }

    static func fetchRespectsMaximum(_ backend: any JobBackend) async throws {
        try await backend.push((0..<7).map { _ in EncodedJob(Job(className: "Noop")) })
        let first = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 3, timeout: 0.1)
        let rest = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 100, timeout: 0.1)
        try expect(first.count == 3, "asked for 3 jobs, got \(first.count)")
        try expect(rest.count == 4, "asked for the remaining 4 jobs, got \(rest.count)")
    }

    static func fetchFollowsQueueOrder(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "Low", queue: "low")), EncodedJob(Job(className: "High", queue: "high"))])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["high", "low"], maximum: 1, timeout: 0.1)
        try expect(fetched.map(\.queue) == ["high"], "expected the job from 'high' first, got \(fetched.map(\.queue))")
        let next = try await fetchOnThread(backend, owner: "w1", queues: ["high", "low"], maximum: 5, timeout: 0.1)
        try expect(next.map(\.queue) == ["low"], "expected the job from 'low' next, got \(next.map(\.queue))")
    }

    static func acknowledgeClearsInProgress(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "Noop")), EncodedJob(Job(className: "Noop"))])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 2, timeout: 0.1)
        var statistics = try await backend.statistics()
        try expect(statistics.inProgress == 2 && statistics.enqueued == 0, "after fetching 2 jobs: \(statistics.inProgress) in progress, \(statistics.enqueued) enqueued")
        try await backend.acknowledge([fetched[0]], statistics: StatisticsDelta())
        statistics = try await backend.statistics()
        try expect(statistics.inProgress == 1, "after one acknowledgement \(statistics.inProgress) jobs are in progress, expected 1")
        try await backend.acknowledge([fetched[1]], statistics: StatisticsDelta())
        statistics = try await backend.statistics()
        try expect(statistics.inProgress == 0, "after both acknowledgements \(statistics.inProgress) jobs are in progress")
    }

    static func acknowledgeCountsStatistics(_ backend: any JobBackend) async throws {
        try await backend.acknowledge([], statistics: StatisticsDelta(processed: 5, failed: 2))
        try await backend.acknowledge([], statistics: StatisticsDelta(processed: 3, failed: 0))
        let statistics = try await backend.statistics()
        try expect(statistics.processed == 8 && statistics.failed == 2, "counters are processed=\(statistics.processed) failed=\(statistics.failed), expected 8 and 2")
    }

    static func blockingFetchTimesOut(_ backend: any JobBackend) async throws {
        let started = MonotonicClock.now()
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["empty"], maximum: 5, timeout: 0.2)
        try expect(fetched.isEmpty, "fetched \(fetched.count) jobs from an empty queue")
        try expect(MonotonicClock.now() - started >= 0.1, "a 0.2 s blocking fetch returned almost at once: it did not block")
    }

    static func blockingFetchWakesOnPush(_ backend: any JobBackend) async throws {
        let job = Job(className: "Late", queue: "late")
        async let fetched = fetchOnThread(backend, owner: "w1", queues: ["late"], maximum: 5, timeout: 6)
        try await Task.sleep(for: .milliseconds(100))  // let the fetch block first: nothing to observe it by
        try await backend.push([EncodedJob(job)])
        let pushedAt = MonotonicClock.now()
        let result = try await fetched
        let waited = MonotonicClock.now() - pushedAt
        try expect(result.map(\.payload) == [job.serialized()], "a blocked fetch did not return the job pushed meanwhile (got \(result.count) jobs)")
        // Well before the 6 s timeout (a margin for a loaded machine): a fetch that noticed the push
        // only at its timeout fails here.
        try expect(waited < 3, "the blocked fetch returned \(waited) s after the push, not at once")
    }

    static func requeueGoesToFront(_ backend: any JobBackend) async throws {
        let jobs = (0..<4).map { Job(className: "Noop", args: [.number(JSONNumber($0))]) }
        try await backend.push(jobs.map(EncodedJob.init))
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 2, timeout: 0.1)
        try await backend.requeue(fetched)
        let again = try await fetchOnThread(backend, owner: "w2", queues: ["default"], maximum: 10, timeout: 0.1)
        try expect(again.map(\.payload) == jobs.map { $0.serialized() }, "after requeueing the first two jobs they should run first, in their order")
        let statistics = try await backend.statistics()
        try expect(statistics.inProgress == 4, "expected the 4 refetched jobs in progress, found \(statistics.inProgress)")
    }

    static func requeueIsIdempotent(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "Noop"))])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 1, timeout: 0.1)
        try await backend.requeue(fetched)
        try await backend.requeue(fetched)
        let statistics = try await backend.statistics()
        try expect(statistics.enqueued == 1, "requeueing twice left \(statistics.enqueued) copies in the queue, expected 1")
    }

    static func moveToSetRemovesFromProgress(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "A")), EncodedJob(Job(className: "B"))])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 2, timeout: 0.1)
        try await backend.move(fetched[0], to: .retry, payload: Array("{\"rewritten\":1}".utf8), score: 100)
        try await backend.move(fetched[1], to: .dead, payload: fetched[1].payload, score: WallClock.now())
        let statistics = try await backend.statistics()
        try expect(statistics.inProgress == 0, "\(statistics.inProgress) jobs still in progress after moving both")
        try expect(statistics.retries == 1 && statistics.dead == 1, "retry set has \(statistics.retries), dead set \(statistics.dead); expected 1 each")
    }

    static func recoveryRequeuesOnlyDeadOwners(_ backend: any JobBackend) async throws {
        try await backend.push((0..<3).map { _ in EncodedJob(Job(className: "Noop")) })
        try await backend.beat(WorkerHeartbeat(identity: "alive", info: JSONObject(), busy: 1, isQuiet: false, residentKilobytes: 0, runningJobs: [:]))
        _ = try await fetchOnThread(backend, owner: "alive", queues: ["default"], maximum: 1, timeout: 0.1)
        _ = try await fetchOnThread(backend, owner: "dead", queues: ["default"], maximum: 2, timeout: 0.1)
        let moved = try await backend.recoverOrphanedJobs()
        try expect(moved == RecoveryResult(requeued: 2), "recovery moved \(moved), expected the dead worker's 2 jobs requeued")
        let again = try await backend.recoverOrphanedJobs()
        try expect(again.total == 0, "a second recovery moved \(again.total) jobs: recovery must happen once")
        let statistics = try await backend.statistics()
        try expect(statistics.enqueued == 2 && statistics.inProgress == 1, "after recovery \(statistics.enqueued) enqueued and \(statistics.inProgress) in progress; expected 2 and 1")
    }

    static func recoveryFollowsTheOwnersLease(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "Noop")), EncodedJob(Job(className: "Noop"))])
        try await backend.beat(heartbeat("steady", lease: 30))
        _ = try await fetchOnThread(backend, owner: "steady", queues: ["default"], maximum: 1, timeout: 0.1)
        // The recoverer's own stale age (here: everything is stale) does not decide for another worker.
        let impatient = try await backend.recoverOrphanedJobs(policy: RecoveryPolicy(staleHeartbeatAge: .seconds(-1)))
        try expect(impatient.total == 0, "a worker holding a 30 s lease lost \(impatient.total) jobs to a recoverer with a shorter stale age")

        var shortLease = heartbeat("stalled")
        shortLease.leaseDuration = 4
        shortLease.isFirst = true
        let first = try await backend.beat(shortLease)
        shortLease.isFirst = false
        try expect(!first.hadLostLease, "a worker's first beat reported a lost lease")
        _ = try await fetchOnThread(backend, owner: "stalled", queues: ["default"], maximum: 1, timeout: 0.1)
        let fresh = try await backend.recoverOrphanedJobs()
        try expect(fresh.total == 0, "a worker that just beat lost \(fresh.total) jobs to recovery")
        let recovered = try await recoverOnceLeaseExpires(backend)
        try expect(recovered == RecoveryResult(requeued: 1), "a worker whose 4 s lease expired should lose its 1 job to recovery, got \(recovered)")
        let late = try await backend.beat(shortLease)
        try expect(late.hadLostLease, "the beat after an expired lease did not report it")
    }

    static func recoveryBuriesPoisonPills(_ backend: any JobBackend) async throws {
        let job = Job(className: "Crashy", args: ["x"])
        try await backend.push([EncodedJob(job)])
        let policy = RecoveryPolicy(maximumRecoveries: 2)
        for round in 1...2 {
            let fetched = try await fetchOnThread(backend, owner: "crashed-\(round)", queues: ["default"], maximum: 1, timeout: 0.1)
            // From its first recovery on, a worker marks the job as started before running it.
            if round > 1 { try await backend.markStarted(fetched[0], jid: job.jid) }
            let result = try await backend.recoverOrphanedJobs(policy: policy)
            try expect(result == RecoveryResult(requeued: 1), "recovery \(round) should requeue the job, got \(result)")
        }
        let fetched = try await fetchOnThread(backend, owner: "crashed-3", queues: ["default"], maximum: 1, timeout: 0.1)
        let recovered = try Job(json: fetched.first?.payload ?? [])
        try expect(recovered.fields[RecoveryDecision.countField] == 2, "the job should carry recovery_count 2, has \(String(describing: recovered.fields[RecoveryDecision.countField]))")
        try expect(recovered.jid == job.jid && recovered.args == ["x"], "recovery changed the job's identity or args")
        try await backend.markStarted(fetched[0], jid: job.jid)
        let result = try await backend.recoverOrphanedJobs(policy: policy)
        try expect(result == RecoveryResult(buried: 1), "the third recovery should bury the job, got \(result)")
        let statistics = try await backend.statistics()
        try expect(statistics.dead == 1 && statistics.enqueued == 0 && statistics.inProgress == 0, "expected the job only in the dead set, got \(statistics)")
    }

    static func recoverySparesUnstartedSuspects(_ backend: any JobBackend) async throws {
        let pill = Job(className: "Crash")
        let bystander = Job(className: "Record")
        try await backend.push([EncodedJob(pill), EncodedJob(bystander)])
        let policy = RecoveryPolicy(maximumRecoveries: 1)
        // First crash: both counted once (nothing tells which one ran).
        _ = try await fetchOnThread(backend, owner: "crash-1", queues: ["default"], maximum: 2, timeout: 0.1)
        try expect(try await backend.recoverOrphanedJobs(policy: policy) == RecoveryResult(requeued: 2), "the first recovery did not requeue both jobs")
        // Second crash: only the pill had started.
        let second = try await fetchOnThread(backend, owner: "crash-2", queues: ["default"], maximum: 2, timeout: 0.1)
        for fetched in second where try Job(json: fetched.payload).jid == pill.jid {
            try await backend.markStarted(fetched, jid: pill.jid)
        }
        let result = try await backend.recoverOrphanedJobs(policy: policy)
        try expect(result == RecoveryResult(requeued: 1, buried: 1), "expected the started pill buried and the bystander requeued, got \(result)")
        let left = try await fetchOnThread(backend, owner: "w", queues: ["default"], maximum: 2, timeout: 0.1)
        let survivor = try Job(json: left.first?.payload ?? [])
        try expect(left.count == 1 && survivor.jid == bystander.jid, "the bystander is not the job left in the queue")
        try expect(survivor.fields[RecoveryDecision.countField] == 1, "the bystander was blamed again: recovery_count \(String(describing: survivor.fields[RecoveryDecision.countField])), expected 1")
    }

    static func fetchRegistersForgottenPrivateList(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "First")), EncodedJob(Job(className: "Second"))])
        try await backend.beat(heartbeat("frozen", lease: 0.2))
        _ = try await fetchOnThread(backend, owner: "frozen", queues: ["default"], maximum: 1, timeout: 0.1)
        let recovered = try await recoverOnceLeaseExpires(backend)
        try expect(recovered.requeued == 1, "the frozen worker's job was not recovered once its lease expired")
        // The frozen worker wakes and fetches again without beating, then dies: its new job must be found.
        _ = try await fetchOnThread(backend, owner: "frozen", queues: ["default"], maximum: 1, timeout: 0.1)
        let again = try await backend.recoverOrphanedJobs()
        try expect(again.requeued == 1, "a job fetched after recovery forgot the worker's empty private list was stranded: recovery moved \(again.total)")
    }

    static func scheduleStoresWithoutEnqueuedAt(_ backend: any JobBackend) async throws {
        let job = Job(className: "Later")
        try await backend.schedule([EncodedJob(job)], at: WallClock.now() + 3600)
        let promoted = try await backend.promoteDueJobs(limit: 10)
        try expect(promoted == 0, "a job due in an hour was promoted")
        let statistics = try await backend.statistics()
        try expect(statistics.scheduled == 1 && statistics.enqueued == 0, "expected 1 scheduled and 0 enqueued, got \(statistics)")
    }

    static func promotionMovesDueJobs(_ backend: any JobBackend) async throws {
        let text = #"{"retry":3,"queue":"mail","class":"Due","args":[1.50],"jid":"0123456789abcdef01234567","custom":{"b":1,"a":2},"created_at":1700000000.000001}"#
        try await backend.schedule([EncodedJob(queue: "mail", payload: Array(text.utf8))], at: WallClock.now() - 1)
        try await backend.schedule([EncodedJob(Job(className: "NotYet"))], at: WallClock.now() + 3600)
        let failed = Job(className: "Failed", queue: "other")
        try await backend.push([EncodedJob(failed)])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["other"], maximum: 1, timeout: 0.1)
        try await backend.move(fetched[0], to: .retry, payload: fetched[0].payload, score: WallClock.now() - 1)
        let before = WallClock.now()
        let moved = try await backend.promoteDueJobs(limit: 10)
        try expect(moved == 2, "promotion moved \(moved) jobs, expected the due scheduled job and the due retry")
        let mail = try await fetchOnThread(backend, owner: "w1", queues: ["mail"], maximum: 5, timeout: 0.1)
        let expected = String(text.dropLast()) + ",\"enqueued_at\":"
        let payload = String(decoding: mail.first?.payload ?? [], as: UTF8.self)
        try expect(mail.count == 1 && payload.hasPrefix(expected), "the promoted job should be the stored JSON byte for byte plus enqueued_at, got \(payload)")
        let enqueuedAt = try Job(json: mail[0].payload).enqueuedAt ?? 0
        try expect(enqueuedAt >= before - 1 && enqueuedAt <= WallClock.now() + 1, "enqueued_at \(enqueuedAt) is not the promotion time")
        let other = try await fetchOnThread(backend, owner: "w1", queues: ["other"], maximum: 5, timeout: 0.1)
        try expect(other.count == 1 && (try Job(json: other[0].payload)).jid == failed.jid, "the due retry did not reach its queue")
        let statistics = try await backend.statistics()
        try expect(statistics.scheduled == 1 && statistics.retries == 0, "after promotion \(statistics.scheduled) scheduled and \(statistics.retries) retries, expected 1 and 0")
        try expect(try await backend.promoteDueJobs(limit: 10) == 0, "a second promotion moved jobs again")
    }

    static func promotionRespectsLimit(_ backend: any JobBackend) async throws {
        try await backend.schedule((0..<5).map { _ in EncodedJob(Job(className: "Due")) }, at: WallClock.now() - 1)
        let first = try await backend.promoteDueJobs(limit: 2)
        let statistics = try await backend.statistics()
        try expect(first == 2 && statistics.scheduled == 3 && statistics.enqueued == 2, "with limit 2: moved \(first), \(statistics.scheduled) left scheduled, \(statistics.enqueued) enqueued")
    }

    static func racingPromotionsMoveOnce(_ backend: any JobBackend) async throws {
        let jobs = (0..<200).map { _ in Job(className: "Due") }
        try await backend.schedule(jobs.map(EncodedJob.init), at: WallClock.now() - 1)
        let moved = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var total = 0
                    while case let count = try await backend.promoteDueJobs(limit: 25), count > 0 { total += count }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        let statistics = try await backend.statistics()
        try expect(moved == 200 && statistics.enqueued == 200 && statistics.scheduled == 0, "racing promotions moved \(moved), queue holds \(statistics.enqueued), \(statistics.scheduled) left; expected 200, 200, 0")
    }

    static func heartbeatCountsLiveProcess(_ backend: any JobBackend) async throws {
        try expect(try await backend.liveProcessCount() == 0, "a fresh backend reports live processes")
        let reply = try await backend.beat(heartbeat("w1"))
        try expect(reply.signal == nil, "a beat popped a signal nobody sent")
        try expect(try await backend.liveProcessCount() == 1, "after one heartbeat the backend does not report 1 live process")
        try await backend.removeHeartbeat(of: "w1")
        try expect(try await backend.liveProcessCount() == 0, "a removed heartbeat still counts as live")
    }

    /// Runs recovery every 50 ms until it moves something (a lease expired), for up to 10 s.
    static func recoverOnceLeaseExpires(_ backend: any JobBackend) async throws -> RecoveryResult {
        let deadline = MonotonicClock.now() + 10
        var recovered = RecoveryResult()
        while recovered.total == 0 && MonotonicClock.now() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            recovered = try await backend.recoverOrphanedJobs()
        }
        return recovered
    }

    static func heartbeat(_ identity: String, lease: Double = RecoveryPolicy.defaultStaleHeartbeatAge.inSeconds) -> WorkerHeartbeat {
        WorkerHeartbeat(identity: identity, info: JSONObject(), busy: 0, isQuiet: false, residentKilobytes: 0, runningJobs: [:], leaseDuration: lease)
    }

    static func payloadsAreBinarySafe(_ backend: any JobBackend) async throws {
        let payloads: [[UInt8]] = [
            Array(#"{"class":"Noop","args":["héllo ✓ \u0000 \r\n"],"jid":"x","queue":"default"}"#.utf8),
            [0, 255, 10, 13, 0, 34, 92],
        ]
        try await backend.push(payloads.map { EncodedJob(queue: "default", payload: $0) })
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 5, timeout: 0.1)
        try expect(fetched.map(\.payload) == payloads, "payload bytes changed between push and fetch")
    }

    static func statisticsReportQueues(_ backend: any JobBackend) async throws {
        try await backend.push([EncodedJob(Job(className: "A", queue: "one"))] + (0..<3).map { _ in EncodedJob(Job(className: "B", queue: "two")) })
        let statistics = try await backend.statistics()
        try expect(statistics.queues["one"] == 1 && statistics.queues["two"] == 3, "queue sizes are \(statistics.queues), expected one=1 two=3")
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw TestKitError(message()) }
    }
}
