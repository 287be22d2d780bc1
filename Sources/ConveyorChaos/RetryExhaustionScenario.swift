import ConveyorSupport
import Conveyor
import ConveyorRedis

/// Failing jobs with a small retry limit and a short fixed delay (`--retry-delay`): each runs exactly
/// its maximum number of retries plus one, then lands in the dead set; `retry: false` runs once and is
/// dropped, as in Sidekiq.
struct RetryExhaustionScenario: ChaosScenario {
    let name = "retries exhausted -> dead"
    let recoveryMeaning = "from the push to the last job settled (dead, or dropped for retry: false), with --retry-delay 0.2"

    private struct Group {
        let retry: RetryPolicy
        let count: Int
        /// Runs each job of the group must see.
        var expectedRuns: Int { retry.maximumRetries + 1 }
        var endsDead: Bool { retry != .never }
    }

    private static let groups = [Group(retry: .limit(3), count: 10), Group(retry: .limit(0), count: 5), Group(retry: .never, count: 5)]

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let runsKey = "fail-runs", message = "chaos failure on purpose"
            let jobs = Self.groups.map { group in
                (group, (0..<group.count).map { _ in
                    Job(className: "Fail", args: [.string(message), .string(runsKey)], retry: group.retry)
                })
            }
            let all = jobs.flatMap(\.1)
            outcome.pushed = all.count
            let worker = try environment.start("conveyor-worker", ["--concurrency", "10", "--retry-delay", "0.2", "--log-level", "error"], redis: redis)
            let pushedAt = MonotonicClock.now()
            try await Producer(backend: backend).pushBulk(all)
            let expectedRuns = jobs.reduce(0) { $0 + $1.0.count * $1.0.expectedRuns }
            let expectedDead = jobs.filter { $0.0.endsDead }.reduce(0) { $0 + $1.0.count }
            try await environment.waitUntil("every failing job settled", timeout: 90) {
                let statistics = try await backend.statistics()
                return statistics.dead >= expectedDead && statistics.retries == 0 && statistics.enqueued == 0
                    && statistics.inProgress == 0 && statistics.failed >= expectedRuns
            }
            outcome.recoverySeconds = MonotonicClock.now() - pushedAt
            let status = try await environment.stop(worker)
            outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM")

            let runsByJid = try await ChaosEnvironment.runs(redis.client, hash: runsKey)
            var deadByJid: [String: Job] = [:]
            for member in (try await redis.client.send("ZRANGE", backend.keys.set(.dead), 0, -1).array ?? []).compactMap(\.bytes) {
                if let job = try? Job(json: member) { deadByJid[job.jid] = job }
            }
            for (group, groupJobs) in jobs {
                for job in groupJobs {
                    let seen = runsByJid[job.jid] ?? 0
                    if seen == 0 { outcome.lost += 1 }
                    outcome.duplicates += max(0, seen - group.expectedRuns)
                    outcome.expect(seen == group.expectedRuns, "retry \(group.retry.jsonValue.jsonString): job \(job.jid) ran \(seen) times, expected \(group.expectedRuns)")
                    let dead = deadByJid[job.jid]
                    if group.endsDead {
                        outcome.expect(dead != nil, "retry \(group.retry.jsonValue.jsonString): job \(job.jid) is not in the dead set")
                        outcome.expect(dead?.retryCount == group.retry.maximumRetries && dead?.fields["error_message"]?.stringValue == message,
                                       "job \(job.jid) is dead with retry_count \(dead?.retryCount.map(String.init) ?? "none") and error_message \(dead?.fields["error_message"]?.jsonString ?? "none")")
                    } else {
                        outcome.expect(dead == nil, "retry false: job \(job.jid) is in the dead set, expected dropped")
                    }
                }
            }
            outcome.notes.append(Self.groups.map { "\($0.count) jobs with retry \($0.retry.jsonValue.jsonString) ran \($0.expectedRuns) time(s) each" }.joined(separator: ", ")
                + "; the retry-limited ones are dead with retry_count = the limit; retry false was dropped")
            return outcome
        }
    }
}
