import ConveyorSupport
import Conveyor
import ConveyorRedis
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of a worker with jobs in flight; a second worker recovers its private list once the dead
/// worker's lease expires (short intervals set by flags, not by deleting its keys) and runs them.
struct WorkerKillScenario: ChaosScenario {
    var jobs = 5000
    let name = "kill -9 worker mid-run"
    let recoveryMeaning = "from the SIGKILL to the last job recorded by the second worker (heartbeat every 0.5 s, lease 2 s)"

    /// Heartbeat and recovery flags that make a dead worker's jobs come back within seconds.
    static let fastRecovery = ["--heartbeat-interval", "0.5", "--stale-after", "2", "--recovery-interval", "0.5"]

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            let batch = ChaosEnvironment.recordJobs(jobs, key: key, milliseconds: 5)
            try await Producer(backend: backend).pushBulk(batch)
            outcome.pushed = batch.count
            let arguments = ["--concurrency", "50", "--log-level", "warning"] + Self.fastRecovery
            let first = try environment.start("conveyor-worker", arguments, redis: redis)
            try await environment.waitUntil("a fifth of the jobs recorded", timeout: 60) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= jobs / 5
            }
            first.signal(SIGKILL)
            let killedAt = MonotonicClock.now()
            let status = await first.finish().status
            outcome.expect(status == 128 + SIGKILL, "the first worker exited with \(status), not by SIGKILL")
            let stranded = try await backend.statistics().inProgress
            let recordedAtKill = try await redis.client.send("SCARD", key).integer ?? 0
            outcome.expect(stranded > 0, "the kill hit no job in flight (private lists empty)")
            outcome.notes.append("killed with \(recordedAtKill) jobs recorded and \(stranded) in its private list; recovered by a second worker once its 2 s lease expired (--stale-after 2), its keys left as the crash left them")

            let second = try environment.start("conveyor-worker", arguments, redis: redis)
            try await environment.waitUntil("every job recorded after the kill", timeout: 90) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= jobs
            }
            outcome.recoverySeconds = MonotonicClock.now() - killedAt
            try await environment.waitUntil("queues and private lists empty", timeout: 30) {
                let statistics = try await backend.statistics()
                return statistics.enqueued == 0 && statistics.inProgress == 0
            }
            let secondStatus = try await environment.stop(second)
            outcome.expect(secondStatus == 0, "the second worker exited with \(secondStatus) on SIGTERM")
            let statistics = try await backend.statistics()
            outcome.expect(statistics.retries == 0 && statistics.dead == 0, "retry \(statistics.retries), dead \(statistics.dead); expected both 0")
            outcome.expect(statistics.inProgress == 0 && statistics.enqueued == 0, "left \(statistics.enqueued) queued and \(statistics.inProgress) in private lists")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: batch.map(\.jid))
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            outcome.expect(tally.unexpected == 0, "\(tally.unexpected) recorded jids were never pushed")
            return outcome
        }
    }
}
