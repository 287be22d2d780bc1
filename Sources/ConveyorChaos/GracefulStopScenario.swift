import ConveyorSupport
import Conveyor
import ConveyorRedis
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM while every job runs longer than the worker's `--timeout`: the worker exits 0 and its jobs
/// are back in their queue (not in retry, not failed); a second worker finishes them.
struct GracefulStopScenario: ChaosScenario {
    var jobs = 40
    let name = "SIGTERM during long jobs"
    let recoveryMeaning = "from the SIGTERM to the last job recorded by the second worker (first worker --timeout 0.5, jobs sleep 3 s)"

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            let batch = ChaosEnvironment.recordJobs(jobs, key: key, milliseconds: 3000)
            try await Producer(backend: backend).pushBulk(batch)
            outcome.pushed = batch.count
            let first = try environment.start("conveyor-worker", ["--concurrency", "\(jobs)", "--timeout", "0.5", "--log-level", "warning"], redis: redis)
            try await environment.waitUntil("every job running", timeout: 30) {
                try await backend.statistics().inProgress == jobs
            }
            let stoppedAt = MonotonicClock.now()
            let status = try await environment.stop(first)
            let stopSeconds = MonotonicClock.now() - stoppedAt
            outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM, expected 0")
            let statistics = try await backend.statistics()
            outcome.expect(statistics.enqueued == jobs, "\(statistics.enqueued) jobs back in the queue, expected \(jobs)")
            outcome.expect(statistics.inProgress == 0, "\(statistics.inProgress) jobs left in private lists")
            outcome.expect(statistics.retries == 0 && statistics.dead == 0 && statistics.failed == 0,
                           "retry \(statistics.retries), dead \(statistics.dead), failed \(statistics.failed); expected all 0")
            let queued = (try await redis.client.send("LRANGE", backend.keys.queue(Job.defaultQueue), 0, -1).array ?? [])
                .compactMap { $0.bytes.flatMap { try? Job(json: $0).jid } }
            outcome.expect(Set(queued) == Set(batch.map(\.jid)) && queued.count == jobs, "the queue does not hold exactly the \(jobs) pushed jids once each")
            let recordedEarly = try await redis.client.send("SCARD", key).integer ?? 0
            outcome.expect(recordedEarly == 0, "\(recordedEarly) jobs recorded although cancelled at the timeout")
            outcome.notes.append("the worker exited 0 in \(String(format: "%.2f", stopSeconds)) s with all \(jobs) jobs back in the queue")

            let second = try environment.start("conveyor-worker", ["--drain", "--concurrency", "\(jobs)", "--log-level", "warning"], redis: redis)
            let drained = try await environment.exitStatus(of: second, timeout: 60)
            outcome.recoverySeconds = MonotonicClock.now() - stoppedAt
            outcome.expect(drained == 0, "the draining worker exited with \(drained)")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: batch.map(\.jid))
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            outcome.expect(tally.duplicates == 0, "a job cancelled by shutdown ran twice")
            return outcome
        }
    }
}
