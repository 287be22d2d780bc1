import ConveyorSupport
import Foundation
import Conveyor

/// The ``JobAdministration`` checks: what `conveyor retry|dead|scheduled|processes|quiet|stop` and a
/// dashboard rely on, on both backends.
extension BackendConformance {
    /// The admin checks, run after the others by ``checks``.
    static let administrationChecks: [Check] = [
        Check(name: "admin pages a set by offset and limit, with the set's total", run: administration(pagesByOffset)),
        Check(name: "admin finds an entry by jid, and a member that is not a job by its payload ID", run: administration(findsByID)),
        Check(name: "enqueue now moves an entry to its queue with a fresh enqueued_at, other fields intact", run: administration(enqueueNowKeepsFields)),
        Check(name: "admin deletes one entry, kills one to the dead set, and clears a set", run: administration(deleteKillAndClear)),
        Check(name: "queues report their size and the oldest job's latency", run: administration(queuesReportLatency)),
        Check(name: "a paused queue is skipped by every fetch, even one already blocked on it, until resumed", run: administration(pausedQueueIsSkipped)),
        Check(name: "clearing a queue deletes its waiting jobs and reports how many", run: administration(clearQueueDeletesWaitingJobs)),
        Check(name: "cancel removes a queued, scheduled or retrying job, marks a fetched one, and refuses an unknown jid", run: administration(cancelFindsTheJobWhereverItIs)),
        Check(name: "a unique job's lock skips duplicates while queued, scheduled or retrying, and ends with success, death, delete, cancel or its time to live", run: administration(uniqueLocksEndWithTheJob)),
        Check(name: "a periodic tick is claimed once however many race, a skipped tick pushes nothing, and entries list with their last tick", run: administration(periodicTicksAreClaimedOnce)),
        Check(name: "a concurrency limit admits at most its limit however many race, and a lapsed lease frees its slot", run: administration(concurrencySlotsAreLeased)),
        Check(name: "a rate limit admits at most its limit per window and says how long until the next", run: administration(rateWindowsCount)),
        Check(name: "a heartbeat shows as a process with its busy count, quiet state and queues", run: administration(processesAfterHeartbeat)),
        Check(name: "a signal is refused for an unknown or stopped process and popped by a live one's next beat", run: administration(signalsReachOnlyLiveProcesses)),
    ]

    /// A check on a backend that must also be an admin backend.
    static func administration(
        _ check: @escaping @Sendable (any JobBackend & JobAdministration) async throws -> Void
    ) -> @Sendable (any JobBackend) async throws -> Void {
        { backend in
            guard let admin = backend as? any JobBackend & JobAdministration else {
                throw TestKitError("\(type(of: backend)) does not conform to JobAdministration; every backend must, for the admin CLI.")
            }
            try await check(admin)
        }
    }

    static func pagesByOffset(_ backend: any JobBackend & JobAdministration) async throws {
        let jobs = (0..<5).map { Job(className: "Later", args: [.number(JSONNumber($0))]) }
        let start = WallClock.now() + 3600
        for (index, job) in jobs.enumerated() {
            try await backend.schedule([EncodedJob(job)], at: start + Double(index))
        }
        let middle = try await backend.entries(in: .schedule, offset: 1, limit: 2)
        try expect(middle.entries.map(\.jid) == [jobs[1].jid, jobs[2].jid], "offset 1, limit 2 gave \(middle.entries.map(\.jid)), expected the 2nd and 3rd soonest")
        try expect(middle.total == 5 && middle.offset == 1, "the page says total \(middle.total) at offset \(middle.offset), expected 5 at 1")
        try expect(middle.entries.map(\.score) == [start + 1, start + 2], "the page's scores are \(middle.entries.map(\.score)), expected the run times")
        let last = try await backend.entries(in: .schedule, offset: 4, limit: 10)
        try expect(last.entries.map(\.jid) == [jobs[4].jid] && last.total == 5, "offset 4 gave \(last.entries.count) entries of \(last.total), expected the last 1 of 5")
        let beyond = try await backend.entries(in: .schedule, offset: 10, limit: 10)
        try expect(beyond.entries.isEmpty && beyond.total == 5, "an offset past the end gave \(beyond.entries.count) entries of \(beyond.total)")
        let none = try await backend.entries(in: .schedule, offset: 0, limit: 0)
        try expect(none.entries.isEmpty && none.total == 5, "limit 0 gave \(none.entries.count) entries of \(none.total)")
        let empty = try await backend.entries(in: .dead, offset: 0, limit: 10)
        try expect(empty.entries.isEmpty && empty.total == 0, "the empty dead set gave \(empty.entries.count) entries of \(empty.total)")
    }

    static func findsByID(_ backend: any JobBackend & JobAdministration) async throws {
        let target = Job(className: "Target")
        // Sooner than the target and naming its jid in its args: found by text, it must not match.
        let decoy = Job(className: "Decoy", args: [.string(target.jid)])
        try await backend.schedule([EncodedJob(decoy)], at: WallClock.now() + 60)
        try await backend.schedule([EncodedJob(target)], at: WallClock.now() + 120)
        let found = try await backend.entry(id: target.jid, in: .schedule)
        try expect(found.job?.className == "Target", "finding \(target.jid) gave a \(found.job?.className ?? "non-job"), expected the Target job")
        try await expectAdminError(.unknownJID(target.jid, set: .retry), "finding a jid in the wrong set") {
            _ = try await backend.entry(id: target.jid, in: .retry)
        }
        let notAJob: [UInt8] = Array("not a job".utf8)
        try await backend.push([EncodedJob(queue: "default", payload: notAJob)])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 1, timeout: 0.1)
        try await backend.move(fetched[0], to: .dead, payload: notAJob, score: WallClock.now())
        let id = JobSetEntry(score: 0, payload: notAJob).id
        let buried = try await backend.entry(id: id, in: .dead)
        try expect(buried.payload == notAJob && buried.jid == nil, "finding \(id) did not give the member that is not a job")
    }

    static func enqueueNowKeepsFields(_ backend: any JobBackend & JobAdministration) async throws {
        let text = #"{"retry":3,"queue":"mail","class":"Later","args":[1.50],"jid":"0123456789abcdef01234567","custom":{"b":1,"a":2}}"#
        try await backend.schedule([EncodedJob(queue: "mail", payload: Array(text.utf8))], at: WallClock.now() + 3600)
        let before = WallClock.now()
        let moved = try await backend.enqueueNow(id: "0123456789abcdef01234567", from: .schedule)
        try expect(moved.payload == Array(text.utf8) && moved.queue == "mail", "enqueue now returned a different entry than the one stored")
        let mail = try await fetchOnThread(backend, owner: "w1", queues: ["mail"], maximum: 5, timeout: 0.1)
        let payload = String(decoding: mail.first?.payload ?? [], as: UTF8.self)
        try expect(mail.count == 1 && payload.hasPrefix(String(text.dropLast()) + ",\"enqueued_at\":"), "the job enqueued now should be the stored JSON byte for byte plus enqueued_at, got \(payload)")
        let enqueuedAt = try Job(json: mail[0].payload).enqueuedAt ?? 0
        try expect(enqueuedAt >= before - 1 && enqueuedAt <= WallClock.now() + 1, "enqueued_at \(enqueuedAt) is not the time it was enqueued")
        let statistics = try await backend.statistics()
        try expect(statistics.scheduled == 0, "the job enqueued now is still in the schedule set too")
        try await expectAdminError(.unknownJID("0123456789abcdef01234567", set: .schedule), "enqueueing the same job now twice") {
            try await backend.enqueueNow(id: "0123456789abcdef01234567", from: .schedule)
        }
    }

    static func deleteKillAndClear(_ backend: any JobBackend & JobAdministration) async throws {
        let jobs = (0..<3).map { Job(className: "Failing", args: [.number(JSONNumber($0))]) }
        try await backend.push(jobs.map(EncodedJob.init))
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 3, timeout: 0.1)
        for (index, job) in fetched.enumerated() {
            try await backend.move(job, to: .retry, payload: job.payload, score: WallClock.now() + 3600 + Double(index))
        }
        let deleted = try await backend.delete(id: jobs[0].jid, from: .retry)
        try expect(deleted.jid == jobs[0].jid, "delete returned \(deleted.id), expected \(jobs[0].jid)")
        try await expectAdminError(.unknownJID(jobs[0].jid, set: .retry), "deleting the same job twice") {
            try await backend.delete(id: jobs[0].jid, from: .retry)
        }
        let before = WallClock.now()
        try await backend.kill(id: jobs[1].jid, from: .retry)
        let retries = try await backend.entries(in: .retry, offset: 0, limit: 10)
        let dead = try await backend.entries(in: .dead, offset: 0, limit: 10)
        try expect(retries.entries.map(\.jid) == [jobs[2].jid], "after a delete and a kill the retry set holds \(retries.entries.map(\.id)), expected only the third job")
        try expect(dead.entries.map(\.payload) == [fetched[1].payload], "the killed job is not in the dead set unchanged")
        let diedAt = dead.entries.first?.score ?? 0
        try expect(diedAt >= before - 1 && diedAt <= WallClock.now() + 1, "the killed job's time of death \(diedAt) is not now")
        try await backend.kill(id: jobs[1].jid, from: .dead)
        try expect(try await backend.entries(in: .dead, offset: 0, limit: 10).total == 1, "killing a dead job again changed the dead set's size")
        try await backend.kill(id: jobs[2].jid, from: .retry)
        let cleared = try await backend.clear(.dead)
        let statistics = try await backend.statistics()
        try expect(cleared == 2 && statistics.dead == 0 && statistics.retries == 0, "clearing the dead set reported \(cleared) and left \(statistics.dead), expected 2 and 0")
        try expect(try await backend.clear(.dead) == 0, "clearing an empty set reported entries")
    }

    static func queuesReportLatency(_ backend: any JobBackend & JobAdministration) async throws {
        // Bounds from the time the check itself took, not fixed margins: a loaded machine may pause
        // it for seconds anywhere.
        let before = WallClock.now()
        var old = Job(className: "Old", queue: "slow")
        old.enqueuedAt = before - 10
        var recent = Job(className: "Recent", queue: "slow")
        recent.enqueuedAt = WallClock.now()
        var fresh = Job(className: "Fresh", queue: "fast")
        fresh.enqueuedAt = WallClock.now()
        try await backend.push([EncodedJob(old), EncodedJob(recent), EncodedJob(fresh)])
        let queues = try await backend.queues()
        let elapsed = Duration.seconds(WallClock.now() - before + 0.01)
        try expect(queues.map(\.name) == ["fast", "slow"], "queues are \(queues.map(\.name)), expected fast and slow by name")
        try expect(queues.map(\.size) == [1, 2], "queue sizes are \(queues.map(\.size)), expected 1 and 2")
        try expect(queues[1].latency >= .seconds(9.99) && queues[1].latency <= .seconds(10) + elapsed, "the slow queue's latency is \(queues[1].latency), expected 10 s (its oldest job's wait) plus at most the \(elapsed) this check took")
        try expect(queues[0].latency <= elapsed, "the fast queue's latency is \(queues[0].latency), expected at most the \(elapsed) this check took")
        _ = try await fetchOnThread(backend, owner: "w1", queues: ["fast"], maximum: 1, timeout: 0.1)
        let drained = try await backend.queues().first { $0.name == "fast" }
        try expect(drained?.size == 0 && drained?.latency == .zero, "an empty queue reports size \(String(describing: drained?.size)) and latency \(String(describing: drained?.latency)), expected 0 and 0")
    }

    static func pausedQueueIsSkipped(_ backend: any JobBackend & JobAdministration) async throws {
        let held = Job(className: "Held", queue: "held")
        let open = Job(className: "Open", queue: "open")
        try await backend.push([EncodedJob(held), EncodedJob(open)])
        try expect(try await backend.pauseQueue("held"), "pausing a running queue reported it already paused")
        try expect(try await !backend.pauseQueue("held"), "pausing a paused queue again reported a change")
        try expect(try await backend.pauseQueue("never-pushed"), "pausing a queue nothing was pushed to reported it already paused")
        let listed = try await backend.queues()
        try expect(listed.map(\.name) == ["held", "never-pushed", "open"], "queues are \(listed.map(\.name)), expected held, never-pushed and open: a paused queue is listed even when empty")
        try expect(listed.map(\.isPaused) == [true, true, false], "paused flags are \(listed.map(\.isPaused)), expected held and never-pushed paused")
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["held", "open"], maximum: 5, timeout: 0.1)
        try expect(fetched.map(\.queue) == ["open"], "a fetch from a paused and an open queue took jobs from \(fetched.map(\.queue)), expected only the open one")
        let none = try await fetchOnThread(backend, owner: "w1", queues: ["held"], maximum: 5, timeout: 0.2)
        try expect(none.isEmpty, "a fetch from only a paused queue took \(none.count) jobs")

        // A fetch already blocked on an empty queue when it is paused must not hand out a job pushed
        // after the pause. Whether the fetch is blocked yet when the pause lands does not matter:
        // either way the job must stay queued.
        async let waiting = fetchOnThread(backend, owner: "w2", queues: ["late"], maximum: 5, timeout: 1.5)
        try await Task.sleep(for: .milliseconds(300))
        try await backend.pauseQueue("late")
        try await backend.push([EncodedJob(Job(className: "Late", queue: "late"))])
        let late = try await waiting
        try expect(late.isEmpty, "a fetch blocked on a queue that was paused meanwhile took \(late.count) jobs pushed after the pause")
        let lateQueue = try await backend.queues().first { $0.name == "late" }
        try expect(lateQueue?.size == 1, "the job pushed to the paused queue is not waiting in it (size \(String(describing: lateQueue?.size)))")

        try expect(try await backend.resumeQueue("held"), "resuming a paused queue reported it was not paused")
        try expect(try await !backend.resumeQueue("held"), "resuming a running queue reported a change")
        let resumed = try await fetchOnThread(backend, owner: "w1", queues: ["held"], maximum: 5, timeout: 0.5)
        try expect(resumed.compactMap { try? Job(json: $0.payload).jid } == [held.jid], "after resume the fetch took \(resumed.count) jobs, expected the held one")
        try await backend.acknowledge(fetched + resumed, statistics: StatisticsDelta())
        try await backend.resumeQueue("late")
        try await backend.resumeQueue("never-pushed")
    }

    static func clearQueueDeletesWaitingJobs(_ backend: any JobBackend & JobAdministration) async throws {
        try await backend.push((0..<3).map { _ in EncodedJob(Job(className: "Bulk", queue: "bulk")) })
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["bulk"], maximum: 1, timeout: 0.1)
        try expect(try await backend.clearQueue("bulk") == 2, "clearing a queue with 2 waiting jobs reported another count")
        let statistics = try await backend.statistics()
        try expect(statistics.queues["bulk", default: 0] == 0 && statistics.inProgress == 1, "after clearing, the queue holds \(statistics.queues["bulk", default: 0]) and \(statistics.inProgress) jobs are in progress, expected 0 and the fetched 1")
        try expect(try await backend.clearQueue("bulk") == 0, "clearing an empty queue reported jobs")
        try expect(try await backend.queues().map(\.name) == ["bulk"], "a cleared queue is no longer listed")
        try await backend.acknowledge(fetched, statistics: StatisticsDelta())
    }

    static func cancelFindsTheJobWhereverItIs(_ backend: any JobBackend & JobAdministration) async throws {
        let queued = Job(className: "Queued", queue: "mail")
        let bystander = Job(className: "Bystander", queue: "mail")
        let scheduled = Job(className: "Scheduled")
        let running = Job(className: "Running", queue: "work")
        try await backend.push([EncodedJob(bystander), EncodedJob(queued), EncodedJob(running)])
        try await backend.schedule([EncodedJob(scheduled)], at: WallClock.now() + 3600)
        let dequeued = try await backend.cancel(jid: queued.jid)
        try expect(dequeued == .dequeued(queue: "mail"), "cancelling a queued job gave \(dequeued)")
        let mail = try await backend.queues().first { $0.name == "mail" }
        try expect(mail?.size == 1, "the mail queue holds \(String(describing: mail?.size)) jobs after the cancel, expected the bystander only")
        let removed = try await backend.cancel(jid: scheduled.jid)
        try expect(removed == .removed(from: .schedule), "cancelling a scheduled job gave \(removed)")
        try expect(try await backend.statistics().scheduled == 0, "the scheduled job is still in the schedule set")

        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["work"], maximum: 1, timeout: 0.5)
        try expect(try await backend.cancellationRequests(among: [running.jid]).isEmpty, "a job nobody cancelled has a cancel mark")
        let marked = try await backend.cancel(jid: running.jid)
        try expect(marked == .cancelling(owner: "w1"), "cancelling a fetched job gave \(marked), expected a mark for w1")
        let requests = try await backend.cancellationRequests(among: [bystander.jid, running.jid])
        try expect(requests == [running.jid], "the cancel marks among a bystander and the cancelled job are \(requests)")
        try await backend.forgetCancellation(of: running.jid)
        try expect(try await backend.cancellationRequests(among: [running.jid]).isEmpty, "a forgotten cancel mark is still there")
        try await backend.acknowledge(fetched, statistics: StatisticsDelta())

        try await expectAdminError(.unknownJob(queued.jid), "cancelling a job already cancelled") {
            try await backend.cancel(jid: queued.jid)
        }
        try await expectAdminError(.unknownJob(running.jid), "cancelling a job that finished") {
            try await backend.cancel(jid: running.jid)
        }
        try expect(try await backend.cancellationRequests(among: [running.jid]).isEmpty, "cancelling an unknown job left a mark")
    }

    static func uniqueLocksEndWithTheJob(_ backend: any JobBackend & JobAdministration) async throws {
        let producer = Producer(backend: backend)
        func unique(_ argument: Int, for seconds: Double = 60, queue: String = "default") -> Job {
            var job = Job(className: "Unique", args: [.number(JSONNumber(argument))], queue: queue)
            job.makeUnique(for: .seconds(seconds))
            return job
        }
        func expectSkipped(_ job: Job, by holder: Job, _ what: String) async throws {
            let outcome = try await producer.enqueue(job)
            try expect(outcome == .skipped(duplicateOf: holder.jid), "\(what): a duplicate push gave \(outcome), expected skipped as a duplicate of \(holder.jid)")
        }
        func expectPushed(_ job: Job, _ what: String) async throws {
            let outcome = try await producer.enqueue(job)
            try expect(outcome == .pushed(jid: job.jid), "\(what): the push gave \(outcome), expected it pushed")
        }
        // Ten pushes of one job queue one; other args or another queue are other jobs.
        let first = unique(1, queue: "acked")
        try await expectPushed(first, "the first push")
        for _ in 0..<9 { try await expectSkipped(unique(1, queue: "acked"), by: first, "while queued") }
        try await expectPushed(unique(2, queue: "acked"), "other args")
        try await expectPushed(unique(1, queue: "elsewhere"), "another queue")
        let acked = try await fetchOnThread(backend, owner: "w1", queues: ["acked"], maximum: 5, timeout: 0.5)
        try expect(acked.count == 2, "the queue held \(acked.count) jobs, expected 2 (ten pushes of one job, one of another)")
        try await expectSkipped(unique(1, queue: "acked"), by: first, "while running")
        try await backend.acknowledge(acked, statistics: StatisticsDelta())
        try await expectPushed(unique(1, queue: "acked"), "after success")

        // Kept while retrying, released on death.
        let dying = unique(3, queue: "dying")
        try await expectPushed(dying, "the dying job")
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["dying"], maximum: 1, timeout: 0.5)
        try await backend.move(fetched[0], to: .retry, payload: fetched[0].payload, score: WallClock.now() + 3600)
        try await expectSkipped(unique(3, queue: "dying"), by: dying, "while retrying")
        try await backend.kill(id: dying.jid, from: .retry)
        try await expectPushed(unique(3, queue: "dying"), "after an admin killed it")
        let again = try await fetchOnThread(backend, owner: "w1", queues: ["dying"], maximum: 1, timeout: 0.5)
        let dead = try Job(json: again[0].payload)
        try await backend.move(again[0], to: .dead, payload: again[0].payload, score: WallClock.now())
        try await expectPushed(unique(3, queue: "dying"), "after the worker buried \(dead.jid)")

        // Scheduled, then deleted; queued, then cancelled.
        var later = unique(4)
        let outcome = try await producer.enqueue(later, at: Date(timeIntervalSince1970: WallClock.now() + 3600))
        try expect(outcome == .pushed(jid: later.jid), "scheduling a unique job gave \(outcome)")
        try await expectSkipped(unique(4), by: later, "while scheduled")
        try await backend.delete(id: later.jid, from: .schedule)
        later = unique(4)
        try await expectPushed(later, "after the scheduled one was deleted")
        try await backend.cancel(jid: later.jid)
        try await expectPushed(unique(4), "after the queued one was cancelled")

        // A lock held by another jid is not released; a lock's time to live ends it.
        let short = unique(5, for: 1)
        try await expectPushed(short, "the short-lived lock")
        try await backend.releaseUniqueLock(short.uniqueLock!.digest, jid: "not-the-holder")
        try await expectSkipped(unique(5, for: 1), by: short, "after a release by another jid")
        let deadline = MonotonicClock.now() + 10
        var expired = false
        while !expired && MonotonicClock.now() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            expired = try await producer.enqueue(unique(5, for: 1)) != .skipped(duplicateOf: short.jid)
        }
        try expect(expired, "a lock of unique_for 1 s still held after 10 s")
    }

    static func periodicTicksAreClaimedOnce(_ backend: any JobBackend & JobAdministration) async throws {
        let entry = PeriodicJob(name: "tick", every: .seconds(60), className: "Ping", queue: "ticks")
        try await backend.publishPeriodicJobs([entry])
        let tick = Date(timeIntervalSince1970: (WallClock.now() / 60).rounded(.down) * 60)
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await backend.claimPeriodicTick(name: "tick", tick: tick, job: EncodedJob(entry.job(for: tick)), claimLifetime: .seconds(60))
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        try expect(winners == 1, "\(winners) of 10 racing claims of one tick won, expected exactly 1")
        let skipped = tick.addingTimeInterval(60)
        try expect(try await backend.claimPeriodicTick(name: "tick", tick: skipped, job: nil, claimLifetime: .seconds(60)), "claiming a tick to skip it lost to nobody")
        try expect(try await !backend.claimPeriodicTick(name: "tick", tick: skipped, job: EncodedJob(entry.job(for: skipped)), claimLifetime: .seconds(60)), "a skipped tick was claimed again")
        let queued = try await backend.queues().first { $0.name == "ticks" }
        try expect(queued?.size == 1, "the ticks queue holds \(String(describing: queued?.size)) jobs, expected the one claimed tick")
        let last = try await backend.lastPeriodicTicks()
        try expect(last["tick"] == tick, "the last pushed tick is \(String(describing: last["tick"])), expected \(tick): a skipped tick is not a run")
        let listed = try await backend.periodicJobs()
        try expect(listed.map(\.job) == [entry] && listed.first?.lastTick == tick, "the published entries are \(listed)")
    }

    static func concurrencySlotsAreLeased(_ backend: any JobBackend & JobAdministration) async throws {
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                group.addTask { try await backend.acquireConcurrencySlot(key: "report", holder: "j\(index)", limit: 2, lease: .seconds(60)) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        try expect(admitted == 2, "\(admitted) of 10 racing jobs took a slot of a limit of 2")
        // Any two of the ten may have won the race: each releases its slot (a loser's release does nothing).
        for index in 0..<10 {
            try await backend.releaseConcurrencySlot(key: "report", holder: "j\(index)")
        }
        try expect(try await backend.acquireConcurrencySlot(key: "report", holder: "a", limit: 2, lease: .seconds(60)), "a freed slot was not taken")
        try expect(try await backend.acquireConcurrencySlot(key: "report", holder: "a", limit: 2, lease: .seconds(60)), "a holder could not take its own slot again")
        try expect(try await backend.acquireConcurrencySlot(key: "report", holder: "b", limit: 2, lease: .seconds(60)), "the second slot was not taken")
        try expect(try await !backend.acquireConcurrencySlot(key: "report", holder: "c", limit: 2, lease: .seconds(60)), "a third holder took a slot of a limit of 2")
        // The second slot goes to a holder with a short lease. Refusals are checked above with long
        // leases only: on a loaded machine 300 ms can pass between two calls.
        try await backend.releaseConcurrencySlot(key: "report", holder: "b")
        try expect(try await backend.acquireConcurrencySlot(key: "report", holder: "short", limit: 2, lease: .milliseconds(300)), "the freed second slot was not taken")
        // A renewed lease holds; a lapsed one frees its slot (a crashed worker's job).
        try await backend.renewConcurrencySlots([(key: "report", holder: "a")], lease: .seconds(60))
        let deadline = MonotonicClock.now() + 10
        var freed = false
        while !freed && MonotonicClock.now() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            freed = try await backend.acquireConcurrencySlot(key: "report", holder: "c", limit: 2, lease: .seconds(60))
        }
        try expect(freed, "the slot of a 300 ms lease was still held after 10 s")
        try expect(try await !backend.acquireConcurrencySlot(key: "report", holder: "d", limit: 2, lease: .seconds(60)), "the renewed slot was lost")
    }

    static func rateWindowsCount(_ backend: any JobBackend & JobAdministration) async throws {
        // A window of an hour: the check cannot straddle two windows unless it runs at the full hour.
        var admitted = 0
        var wait: Duration?
        for _ in 0..<5 {
            if let refused = try await backend.admitToRateWindow(key: "mail", limit: 3, window: .seconds(3600)) {
                wait = refused
            } else {
                admitted += 1
            }
        }
        try expect(admitted == 3 || WallClock.now().truncatingRemainder(dividingBy: 3600) < 5, "\(admitted) of 5 runs were admitted to a window of 3")
        try expect(wait.map { $0 > .zero && $0 <= .seconds(3600) } ?? false, "a refused run was told to wait \(String(describing: wait))")
        try expect(try await backend.admitToRateWindow(key: "other", limit: 1, window: .seconds(3600)) == nil, "another key shares the window's count")
    }

    static func processesAfterHeartbeat(_ backend: any JobBackend & JobAdministration) async throws {
        try expect(try await backend.processes().isEmpty, "a fresh backend lists processes")
        var beat = heartbeat("host:1:abc")
        beat.info = ["queues": ["critical", "default", "critical"]]
        beat.busy = 2
        beat.isQuiet = true
        let before = WallClock.now()
        try await backend.beat(beat)
        let processes = try await backend.processes()
        try expect(processes.count == 1, "after one heartbeat \(processes.count) processes are listed")
        let process = processes[0]
        try expect(process.identity == "host:1:abc" && process.busy == 2 && process.isQuiet, "the process is listed as \(process)")
        try expect(process.queues == ["critical", "default"], "the process serves \(process.queues), expected critical and default once each")
        let elapsed = WallClock.now() - before + 0.01
        try expect(process.beatAge >= 0 && process.beatAge <= elapsed, "a process that beat \(elapsed) s ago at most has beat age \(process.beatAge)")
        try await backend.removeHeartbeat(of: "host:1:abc")
        try expect(try await backend.processes().isEmpty, "a removed heartbeat is still listed")
    }

    static func signalsReachOnlyLiveProcesses(_ backend: any JobBackend & JobAdministration) async throws {
        try await expectAdminError(.unknownProcess("nobody:1:0"), "signalling an identity that never beat") {
            try await backend.send(.quiet, to: "nobody:1:0")
        }
        try await backend.beat(heartbeat("live"))
        try await backend.send(.quiet, to: "live")
        try await backend.send(.stop, to: "live")
        let first = try await backend.beat(heartbeat("live"))
        let second = try await backend.beat(heartbeat("live"))
        let third = try await backend.beat(heartbeat("live"))
        try expect(first.signal == .quiet && second.signal == .stop && third.signal == nil, "the beats popped \([first.signal, second.signal, third.signal]), expected quiet, stop, then nothing")

        var frozen = heartbeat("frozen")
        frozen.leaseDuration = 0.2
        try await backend.beat(frozen)
        // Until the lease expires the process counts as live; afterwards every signal is refused.
        let deadline = MonotonicClock.now() + 5
        var refusal: AdminError?
        while refusal == nil && MonotonicClock.now() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            do {
                // Accepted while the lease holds; a beat here would renew it, so none follows.
                try await backend.send(.stop, to: "frozen")
            } catch let error as AdminError {
                refusal = error
            }
        }
        guard case .stoppedProcess("frozen", _) = refusal else {
            throw TestKitError("a process whose lease expired was not refused as stopped: \(String(describing: refusal))")
        }
    }

    /// Runs `operation` and checks it throws exactly `expected`.
    static func expectAdminError(_ expected: AdminError, _ what: String, _ operation: () async throws -> Void) async throws {
        do {
            try await operation()
        } catch let error as AdminError {
            try expect(error == expected, "\(what) threw \(error), expected \(expected)")
            return
        }
        throw TestKitError("\(what) succeeded; expected the error \(expected)")
    }
}
