import ConveyorSupport
import Conveyor
import ConveyorRedis
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A recovering worker whose wall clock runs 40 s ahead (libfaketime) beside a worker with the right
/// time and a 3 s lease. Judged by the recoverer's clock, every beat of the other worker is 40 s old;
/// liveness is a lease that Redis expires by its own clock, so the recoverer must take none of the live
/// worker's jobs. (Comparing one worker's beat with another's clock made these jobs run twice.)
struct ClockSkewScenario: ChaosScenario {
    var jobs = 2000
    /// How far ahead the recoverer's wall clock runs.
    var skewSeconds = 40
    /// How long both workers run side by side while the first has jobs in flight.
    var overlapSeconds = 5.0
    let name = "recoverer's clock 40 s ahead"
    let recoveryMeaning = "from starting both workers to the last job recorded (jobs sleep 200 ms, 20 at a time, on the worker with the right clock)"

    /// Where Debian's `libfaketime` package (pulled in by `faketime`, see scripts/install-deps) puts
    /// the library, on any architecture.
    static func libfaketime() throws -> String {
        let directories = ["/usr/lib/faketime", "/usr/local/lib/faketime", "/usr/lib64/faketime"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []).map { "/usr/lib/\($0)/faketime" }
        guard let path = directories.map({ $0 + "/libfaketime.so.1" }).first(where: FileManager.default.fileExists) else {
            throw ChaosError("libfaketime.so.1 not found (looked in /usr/lib/*/faketime): install the faketime package (scripts/install-deps does)")
        }
        return path
    }

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        let library = try Self.libfaketime()
        return try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            let batch = ChaosEnvironment.recordJobs(jobs, key: key, milliseconds: 200)
            try await Producer(backend: backend).pushBulk(batch)
            outcome.pushed = batch.count
            // Due in 20 s by Redis's clock, on the recoverer's queue: a poller that judged "due" by its
            // own clock (40 s ahead) would promote and run it at once.
            let early = Job(className: "Record", args: ["early"], queue: "elsewhere")
            try await backend.schedule([EncodedJob(early)], at: try await redis.time() + 20)
            let lease = ["--heartbeat-interval", "0.5", "--stale-after", "3", "--log-level", "warning"]
            let startedAt = MonotonicClock.now()
            let runner = try environment.start("conveyor-worker", ["--concurrency", "20"] + lease, redis: redis)
            // The recoverer serves another queue: every job in flight is the runner's, and only recovery
            // could move one.
            let recoverer = try environment.start("conveyor-worker", ["--queue", "elsewhere", "--recovery-interval", "0.3"] + lease, redis: redis, environment: [
                "LD_PRELOAD": library, "FAKETIME": "+\(skewSeconds)s",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_NO_CACHE": "1",
            ])
            let runnerIdentity = try await environment.identity(of: runner, backend)
            let recovererIdentity = try await environment.identity(of: recoverer, backend)

            // The fault must be real: the recoverer's beat, written with its own clock, is ahead of Redis's.
            let beat = try await redis.client.send("HGET", backend.keys.process(recovererIdentity), "beat").string.flatMap(Double.init) ?? 0
            let skew = beat - (try await redis.time())
            outcome.expect(abs(skew - Double(skewSeconds)) < 5, "the recoverer's beat is \(String(format: "%.1f", skew)) s off Redis's TIME, not about \(skewSeconds) s: libfaketime did not skew its clock")

            // Sampled every 100 ms. The runner's private list can be empty for a moment between one
            // batch's acknowledgement and the next fetch, so the check is that jobs were in flight in
            // nearly every sample, not in all of them.
            var samples = 0, samplesWithJobs = 0, mostInFlight = 0
            let deadline = MonotonicClock.now() + overlapSeconds
            while MonotonicClock.now() < deadline {
                let inFlight = try await backend.statistics().inProgress
                samples += 1
                if inFlight > 0 { samplesWithJobs += 1 }
                mostInFlight = max(mostInFlight, inFlight)
                try await Task.sleep(for: .milliseconds(100))
            }
            outcome.expect(samples > 0 && Double(samplesWithJobs) >= 0.8 * Double(samples), "the runner had jobs in flight in only \(samplesWithJobs) of \(samples) samples of the \(overlapSeconds) s overlap, so recovery had little to take")
            outcome.expect(recoverer.isRunning, "the recoverer exited during the overlap")
            let ranEarly = try await redis.client.send("SCARD", "early").integer ?? 0
            outcome.expect(ranEarly == 0, "a job scheduled 20 s ahead by Redis's clock ran within \(String(format: "%.0f", overlapSeconds)) s: the poller judged it due by its own clock")
            let runnerLease = try await redis.client.send("PTTL", backend.keys.lease(runnerIdentity)).integer ?? -2
            outcome.expect(runnerLease > 0, "the runner's lease has no time to live (PTTL \(runnerLease))")

            try await environment.waitUntil("every job recorded", timeout: 90) {
                try await redis.client.send("SCARD", key).integer ?? 0 >= jobs
            }
            outcome.recoverySeconds = MonotonicClock.now() - startedAt
            for worker in [runner, recoverer] { worker.signal(SIGTERM) }
            let runnerStatus = try await environment.exitStatus(of: runner, timeout: 30)
            let recovererStatus = try await environment.exitStatus(of: recoverer, timeout: 30)
            outcome.expect(runnerStatus == 0 && recovererStatus == 0, "exit statuses on SIGTERM: runner \(runnerStatus), recoverer \(recovererStatus); expected 0")
            let recovered = RecoveryRaceScenario.recoveredJobs(in: await recoverer.finish().errors)
            outcome.expect(recovered == 0, "the recoverer took \(recovered) jobs from the live runner")
            let statistics = try await backend.statistics()
            outcome.expect(statistics.dead == 0 && statistics.retries == 0, "retry \(statistics.retries), dead \(statistics.dead); expected both 0")
            outcome.expect(statistics.inProgress == 0 && statistics.enqueued == 0, "left \(statistics.enqueued) queued and \(statistics.inProgress) in private lists")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: batch.map(\.jid))
            outcome.lost = tally.lost
            outcome.duplicates = tally.duplicates
            outcome.expect(tally.duplicates == 0, "\(tally.duplicates) jobs ran twice: the recoverer took them from the live runner")
            outcome.expect(tally.unexpected == 0, "\(tally.unexpected) recorded jids were never pushed")
            outcome.notes.append("the recoverer (libfaketime FAKETIME=+\(skewSeconds)s, recovery every 0.3 s) wrote beats \(String(format: "%.1f", skew)) s ahead of Redis's TIME; over \(String(format: "%.0f", overlapSeconds)) s with the runner's jobs in flight in \(samplesWithJobs) of \(samples) samples (up to \(mostInFlight)) (runner lease 3 s) it recovered \(recovered), and a job scheduled 20 s ahead stayed scheduled (\(ranEarly) early runs)")
            return outcome
        }
    }
}
