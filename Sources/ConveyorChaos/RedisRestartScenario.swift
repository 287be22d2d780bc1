import ConveyorSupport
import Conveyor
import ConveyorRedis
import Synchronization

/// redis-server killed with SIGKILL mid-run and started again on the same port and append-only file
/// (`appendfsync always`), while a producer pushes and one worker runs: every job the producer saw
/// acknowledged runs, and the worker rides out the outage in the same process.
struct RedisRestartScenario: ChaosScenario {
    var jobs = 3000
    var chunk = 50
    let name = "redis SIGKILL + restart"
    let recoveryMeaning = "from the SIGKILL of redis-server to the last acknowledged job recorded (1 s outage; worker --retry-delay 0.5 for jobs that failed while Redis was down)"

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis(durable: true) { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            let worker = try environment.start("conveyor-worker", [
                "--concurrency", "20", "--retry-delay", "0.5", "--log-level", "error",
            ], redis: redis)

            let chaosProducer = ChaosProducer(backend: backend, chunk: chunk)
            let producer = Task {
                try await chaosProducer.push(ChaosEnvironment.recordJobs(jobs, key: key, milliseconds: 2))
            }
            defer { producer.cancel() }
            try await environment.waitUntil("a sixth of the jobs recorded", timeout: 60) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= jobs / 6
            }
            try await redis.kill()
            let killedAt = MonotonicClock.now()
            let pushedAtKill = chaosProducer.acknowledged.count
            try await Task.sleep(for: .seconds(1))  // the fault: Redis stays down this long
            outcome.expect(worker.isRunning, "the worker exited while Redis was down")
            try await redis.restart()
            try await producer.value
            let acknowledged = chaosProducer.acknowledged
            outcome.pushed = acknowledged.count
            try await environment.waitUntil("every acknowledged job recorded after the restart", timeout: 90) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= acknowledged.count
            }
            outcome.recoverySeconds = MonotonicClock.now() - killedAt
            try await environment.waitUntil("queues, private lists and retry set empty", timeout: 30) {
                let statistics = try await backend.statistics()
                return statistics.enqueued == 0 && statistics.inProgress == 0 && statistics.retries == 0
            }
            outcome.expect(worker.isRunning, "the worker did not survive the outage")
            let beatPIDs = try await ChaosEnvironment.heartbeatPIDs(backend)
            outcome.expect(beatPIDs == [Int(worker.pid)], "after the restart the heartbeat names pids \(beatPIDs), expected only the original \(worker.pid)")
            let status = try await environment.stop(worker)
            outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM")
            let statistics = try await backend.statistics()
            outcome.expect(statistics.dead == 0, "\(statistics.dead) jobs in the dead set")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: acknowledged)
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            let failedAttempts = chaosProducer.failedAttempts
            outcome.notes.append("killed with \(pushedAtKill) jobs acknowledged to the producer; the producer retried \(failedAttempts) chunk pushes during the outage; the worker (pid \(worker.pid)) kept running and failed \(statistics.failed) runs while Redis was down, all retried")
            return outcome
        }
    }
}
