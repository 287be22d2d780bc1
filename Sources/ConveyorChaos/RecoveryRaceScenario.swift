import ConveyorSupport
import Conveyor
import ConveyorRedis
import Foundation

/// Eight worker processes race to recover one dead worker's private list: every job goes back to its
/// queue exactly once, and then runs exactly once.
struct RecoveryRaceScenario: ChaosScenario {
    var jobs = 2000
    var racers = 8
    let name = "8 workers race to recover"
    let recoveryMeaning = "from starting the 8 workers to the dead worker's private list being back in its queue"

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            let batch = ChaosEnvironment.recordJobs(jobs, key: key)
            try await Producer(backend: backend).pushBulk(batch)
            outcome.pushed = batch.count

            // The dead worker: it fetched every job into its private list and never beat.
            let deadOwner = "chaos-dead-host:1:0123456789ab"
            let queue = backend.keys.queue(Job.defaultQueue)
            let privateList = backend.keys.privateList(owner: deadOwner, queue: Job.defaultQueue)
            try await Task.detached {
                let fetcher = try backend.makeFetcher(owner: deadOwner, queues: [Job.defaultQueue])
                defer { fetcher.close() }
                var fetched = 0
                while fetched < batch.count {
                    fetched += try fetcher.fetch(from: [Job.defaultQueue], maximum: batch.count - fetched, timeout: 0.1).count
                }
            }.value
            let held = try await redis.client.send("LLEN", privateList).integer ?? 0
            outcome.expect(held == jobs, "the dead worker holds \(held) jobs, expected \(jobs)")

            // The racers serve another queue, so the recovered jobs wait in theirs to be counted.
            let startedAt = MonotonicClock.now()
            let workers = try (0..<racers).map { _ in
                try environment.start("conveyor-worker", [
                    "--queue", "elsewhere", "--concurrency", "5", "--log-level", "warning",
                    "--heartbeat-interval", "0.2", "--stale-after", "1", "--recovery-interval", "0.2",
                ], redis: redis)
            }
            try await environment.waitUntil("the private list back in its queue", timeout: 30) {
                try await redis.client.send("LLEN", privateList).integer == 0
            }
            outcome.recoverySeconds = MonotonicClock.now() - startedAt
            // Every racer has beaten, so each has made its start-up recovery pass; then let them run more.
            try await environment.waitUntil("all \(racers) racers beating", timeout: 30) {
                try await redis.client.send("SCARD", backend.keys.processes).integer == racers
            }
            var recoveredPerWorker: [Int] = []
            for worker in workers { worker.signal(SIGTERM) }  // all at once: each may sit in a 2 s blocking fetch
            for worker in workers {
                let status = try await environment.exitStatus(of: worker, timeout: 30)
                outcome.expect(status == 0, "racer \(worker.pid) exited with \(status) on SIGTERM")
                recoveredPerWorker.append(Self.recoveredJobs(in: await worker.finish().errors))
            }
            let requeued = (try await redis.client.send("LRANGE", queue, 0, -1).array ?? []).compactMap { $0.bytes.flatMap { try? Job(json: $0).jid } }
            outcome.expect(requeued.count == jobs, "the queue holds \(requeued.count) jobs after recovery, expected \(jobs)")
            outcome.expect(Set(requeued).count == requeued.count, "the queue holds \(requeued.count - Set(requeued).count) duplicate jids")
            outcome.expect(recoveredPerWorker.reduce(0, +) == jobs, "the racers logged \(recoveredPerWorker.reduce(0, +)) recovered jobs in all, expected \(jobs)")
            let registered = try await redis.client.send("HEXISTS", backend.keys.privateLists, privateList).integer ?? -1
            outcome.expect(registered == 0, "the dead worker's list is still registered for recovery")

            let drain = try environment.start("conveyor-worker", ["--drain", "--concurrency", "50", "--log-level", "warning"], redis: redis)
            let status = try await environment.exitStatus(of: drain, timeout: 60)
            outcome.expect(status == 0, "the draining worker exited with \(status)")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: batch.map(\.jid))
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            outcome.expect(tally.duplicates == 0, "recovered jobs ran \(tally.duplicates) extra times")
            let winners = recoveredPerWorker.filter { $0 > 0 }.count
            outcome.notes.append("a fake dead worker (no heartbeat) held \(held) jobs; \(racers) racers recovered \(recoveredPerWorker.map(String.init).joined(separator: "+")) (\(winners) of them moved jobs); the queue then held each jid once, and each ran once")
            return outcome
        }
    }

    /// The jobs a worker's log says it recovered (`jobs=N` on its "Recovered jobs" warnings).
    static func recoveredJobs(in log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("Recovered jobs") }.reduce(0) { total, line in
            guard let range = line.range(of: "jobs=") else { return total }
            return total + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
        }
    }
}
