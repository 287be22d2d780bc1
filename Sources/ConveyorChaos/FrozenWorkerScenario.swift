import ConveyorSupport
import Conveyor
import ConveyorRedis
#if canImport(Glibc)
import Glibc
#endif

/// A worker frozen (SIGSTOP, as a VM pause or a long GC stall does) for longer than its lease is taken
/// for dead: a second worker recovers its private list and, the list being empty, forgets it. The
/// frozen worker then wakes (SIGCONT), fetches again into the same list and is killed with SIGKILL.
/// The jobs it fetched after waking must still be found by recovery: the fetch registers the list it
/// fills in the same step. (Before it did, the list stayed forgotten and those jobs never ran.)
struct FrozenWorkerScenario: ChaosScenario {
    /// Enough that the queue still holds jobs when the frozen worker wakes, after the second worker ran
    /// alone for the whole freeze.
    var jobs = 6000
    /// How long the first worker stays frozen: twice its lease.
    var freezeSeconds = 3.0
    let name = "frozen worker recovered, then kill -9"
    let recoveryMeaning = "from the SIGKILL of the woken worker to the last job recorded by the second worker (lease 1.5 s, recovery every 0.3 s)"

    /// Both workers: a lease of 1.5 s renewed every 0.3 s, recovery every 0.3 s.
    static let arguments = [
        "--concurrency", "20", "--heartbeat-interval", "0.3", "--stale-after", "1.5", "--recovery-interval", "0.3",
        "--log-level", "warning",
    ]

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            let batch = ChaosEnvironment.recordJobs(jobs, key: key, milliseconds: 20)
            try await Producer(backend: backend).pushBulk(batch)
            outcome.pushed = batch.count
            let frozen = try environment.start("conveyor-worker", Self.arguments, redis: redis)
            let frozenIdentity = try await environment.identity(of: frozen, backend)
            let privateList = backend.keys.privateList(owner: frozenIdentity, queue: Job.defaultQueue)
            try await environment.waitUntil("a twentieth of the jobs recorded", timeout: 30) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= jobs / 20
            }
            let second = try environment.start("conveyor-worker", Self.arguments, redis: redis)
            _ = try await environment.identity(of: second, backend)

            // The fault, part one: frozen past its lease; the second worker takes its jobs.
            frozen.signal(SIGSTOP)
            let frozenAt = MonotonicClock.now()
            let heldAtFreeze = try await redis.client.send("LLEN", privateList).integer ?? 0
            outcome.expect(heldAtFreeze > 0, "the freeze hit no job in flight (the first worker's private list was empty)")
            try await environment.waitUntil("the frozen worker's private list recovered and forgotten", timeout: 10) {
                let held = try await redis.client.send("LLEN", privateList).integer ?? -1
                let registered = try await redis.client.send("HEXISTS", backend.keys.privateLists, privateList).integer ?? -1
                return held == 0 && registered == 0
            }
            let recoveredAfter = MonotonicClock.now() - frozenAt
            let leaseAtWake = try await redis.client.send("EXISTS", backend.keys.lease(frozenIdentity)).integer ?? -1
            outcome.expect(leaseAtWake == 0, "the frozen worker's lease still exists after \(String(format: "%.1f", recoveredAfter)) s frozen with a 1.5 s lease")
            let stillFrozen = freezeSeconds - (MonotonicClock.now() - frozenAt)
            if stillFrozen > 0 { try await Task.sleep(for: .seconds(stillFrozen)) }

            // Part two: it wakes, fetches into the forgotten list, and dies holding those jobs.
            frozen.signal(SIGCONT)
            try await Task.sleep(for: .seconds(1))
            try await environment.waitUntil("the woken worker holding jobs it fetched after waking", timeout: 10) {
                try await redis.client.send("LLEN", privateList).integer ?? 0 > 0
            }
            frozen.signal(SIGKILL)
            let killedAt = MonotonicClock.now()
            let finished = await frozen.finish()
            outcome.expect(finished.status == 128 + SIGKILL, "the woken worker exited with \(finished.status), not by SIGKILL")
            let heldAtKill = try await redis.client.send("LLEN", privateList).integer ?? 0
            let registeredAtKill = try await redis.client.send("HEXISTS", backend.keys.privateLists, privateList).integer ?? -1
            let queuedAtKill = try await backend.statistics().enqueued
            outcome.expect(heldAtKill > 0, "the kill hit no job the woken worker had fetched")
            outcome.expect(registeredAtKill == 1, "the woken worker's private list (\(heldAtKill) jobs) is not registered for recovery, so they can never run")
            outcome.expect(finished.errors.contains("lease had expired"), "the woken worker did not log that its lease had expired")

            // Timed out: counted as lost below, so the table shows how many never ran.
            let allRecorded = (try? await environment.waitUntil("every job recorded after the kill", timeout: 30) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= jobs
            }) != nil
            if allRecorded { outcome.recoverySeconds = MonotonicClock.now() - killedAt }
            try? await environment.waitUntil("queues and private lists empty", timeout: 10) {
                let statistics = try await backend.statistics()
                return statistics.enqueued == 0 && statistics.inProgress == 0
            }
            let secondStatus = try await environment.stop(second)
            outcome.expect(secondStatus == 0, "the second worker exited with \(secondStatus) on SIGTERM")
            let recoveredBySecond = RecoveryRaceScenario.recoveredJobs(in: await second.finish().errors)
            let statistics = try await backend.statistics()
            outcome.expect(statistics.inProgress == 0 && statistics.enqueued == 0, "left \(statistics.enqueued) queued and \(statistics.inProgress) in private lists")
            outcome.expect(statistics.retries == 0 && statistics.dead == 0, "retry \(statistics.retries), dead \(statistics.dead); expected both 0")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: batch.map(\.jid))
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            outcome.expect(tally.unexpected == 0, "\(tally.unexpected) recorded jids were never pushed")
            outcome.notes.append("frozen (SIGSTOP) with \(heldAtFreeze) jobs in its private list; the second worker recovered and forgot the list \(String(format: "%.2f", recoveredAfter)) s into the \(String(format: "%.0f", freezeSeconds)) s freeze")
            outcome.notes.append("after SIGCONT the woken worker fetched again and held \(heldAtKill) jobs (list registered again: \(registeredAtKill == 1 ? "yes" : "no"); \(queuedAtKill) still queued) when killed; the second worker recovered \(recoveredBySecond) jobs in all; duplicate runs are the jobs both workers finished")
            return outcome
        }
    }
}
