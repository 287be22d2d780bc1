import Conveyor
import Foundation
import ConveyorRedis
#if canImport(Glibc)
import Glibc
#endif

/// Forty workers killed with `kill -9` left their identities in `processes`; their heartbeat hashes
/// have expired. The scheduled-job poller sleeps about `live processes × 1 s` between polls, so a
/// count that trusted the set would make one real worker poll every 20–60 s; the count prunes
/// identities whose hash is gone, and due jobs run about on time. (Before, they ran 11–41 s late.)
struct StaleProcessesScenario: ChaosScenario {
    var jobs = 20
    var staleIdentities = 40
    /// How far ahead the jobs are scheduled.
    var delaySeconds = 2.0
    /// The lateness allowed for the last job: one poll at one process is 0.5–1.5 s.
    var allowedLatenessSeconds = 4.0
    let name = "40 stale process entries"
    let recoveryMeaning = "lateness of the last scheduled job: from its due time to it being recorded (one worker, default poll interval)"

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"

            // The fault: the registry entries of killed workers, whose hashes expire after a second.
            for index in 0..<staleIdentities {
                let identity = "chaos-killed-host:\(10_000 + index):\(JobID.generate().prefix(12))"
                let info = "{\"hostname\":\"chaos-killed-host\",\"pid\":\(10_000 + index),\"identity\":\"\(identity)\"}"
                _ = try await redis.client.send("HSET", backend.keys.process(identity), "info", info, "beat", WallClock.now(), "busy", 0)
                _ = try await redis.client.send("PEXPIRE", backend.keys.process(identity), 1000)
                _ = try await redis.client.send("SADD", backend.keys.processes, identity)
            }
            try await environment.waitUntil("the killed workers' hashes expired", timeout: 10) {
                let identities = (try await redis.client.send("SMEMBERS", backend.keys.processes).array ?? []).compactMap(\.string)
                for identity in identities {
                    if try await redis.client.send("EXISTS", backend.keys.process(identity)).integer != 0 { return false }
                }
                return true
            }
            let staleCount = try await redis.client.send("SCARD", backend.keys.processes).integer ?? 0
            outcome.expect(staleCount == staleIdentities, "processes holds \(staleCount) stale identities, expected \(staleIdentities)")

            let worker = try environment.start("conveyor-worker", ["--log-level", "warning"], redis: redis)
            let identity = try await environment.identity(of: worker, backend)
            let batch = ChaosEnvironment.recordJobs(jobs, key: key)
            let dueAt = WallClock.now() + delaySeconds
            try await Producer(backend: backend).pushBulk(batch, at: Date(timeIntervalSince1970: dueAt))
            outcome.pushed = batch.count

            var firstRecordedAt: Double?
            // Timed out: counted as lost below. Late, the lateness still fails the scenario.
            _ = try? await environment.waitUntil("every scheduled job recorded", timeout: 60) {
                let recorded = try await redis.client.send("SCARD", key).integer ?? 0
                if recorded > 0 && firstRecordedAt == nil { firstRecordedAt = WallClock.now() }
                return recorded >= jobs
            }
            let lateness = WallClock.now() - dueAt
            outcome.recoverySeconds = lateness
            outcome.expect(lateness <= allowedLatenessSeconds, "the last job ran \(String(format: "%.1f", lateness)) s after its due time, allowed \(allowedLatenessSeconds) s")
            if let firstRecordedAt {
                outcome.expect(firstRecordedAt >= dueAt, "a job ran \(String(format: "%.2f", dueAt - firstRecordedAt)) s before its due time")
            }
            let left = (try await redis.client.send("SMEMBERS", backend.keys.processes).array ?? []).compactMap(\.string)
            outcome.expect(left == [identity], "processes holds \(left.count) identities after the polls, expected only the worker's own")

            let status = try await environment.stop(worker)
            outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM")
            let statistics = try await backend.statistics()
            outcome.expect(statistics.scheduled == 0 && statistics.enqueued == 0 && statistics.inProgress == 0,
                           "left \(statistics.scheduled) scheduled, \(statistics.enqueued) queued and \(statistics.inProgress) in private lists")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: batch.map(\.jid))
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            outcome.expect(tally.duplicates == 0, "\(tally.duplicates) scheduled jobs ran twice")
            outcome.notes.append("\(staleCount) identities of killed workers (hashes expired) in processes; one worker started, \(jobs) jobs scheduled \(String(format: "%.0f", delaySeconds)) s ahead: first recorded \(firstRecordedAt.map { String(format: "%.2f", $0 - dueAt) } ?? "-") s, last \(String(format: "%.2f", lateness)) s after the due time; processes then held \(left.count)")
            return outcome
        }
    }
}
