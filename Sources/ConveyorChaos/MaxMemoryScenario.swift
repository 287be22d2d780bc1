import ConveyorSupport
import Conveyor
import ConveyorRedis
import RedisClient
#if canImport(Glibc)
import Glibc
#endif

/// Redis full: `maxmemory` reached with the `noeviction` policy, where every write that may grow
/// memory (LPUSH, HSET, SADD, INCRBY) is refused with OOM. A worker started then must still register,
/// beat, fetch and acknowledge (its scripts are allowed at `maxmemory`: they move jobs or rewrite what
/// is there), because draining the queue is the only thing that frees the memory. (Before, it could
/// neither register nor fetch, and the queue stayed full for good.)
struct MaxMemoryScenario: ChaosScenario {
    var recordJobs = 200
    let name = "redis at maxmemory (noeviction)"
    let recoveryMeaning = "from starting the worker on the full Redis to every job run"

    static let serverArguments = ["--maxmemory", "8mb", "--maxmemory-policy", "noeviction"]

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis(serverArguments: Self.serverArguments) { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            // Record jobs write to Redis, which the full server refuses: they wait on a second queue that
            // the worker serves after the first (strict order), once the Noop jobs have freed memory.
            let records = ChaosEnvironment.recordJobs(recordJobs, key: key, queue: "later")
            let producer = Producer(backend: backend)
            try await producer.pushBulk(records)

            // The fault: Noop jobs pushed until Redis refuses even one for memory. Chunks shrink after
            // each refusal: a refused big chunk's own request buffer counted towards the limit, so Redis
            // may accept smaller pushes again; only once a single job is refused is memory over the limit
            // for good (nothing frees it).
            var acknowledged = 0
            var refusal = ""
            for size in [1000, 100, 10, 1] {
                while true {
                    do {
                        try await producer.pushBulk((0..<size).map { _ in Job(className: "Noop") })
                        acknowledged += size
                    } catch {
                        refusal = "\(error)"
                        break
                    }
                    guard acknowledged < 1_000_000 else { throw ChaosError("Redis accepted a million jobs: --maxmemory was not applied") }
                }
            }
            let refusalMessage = refusal
            outcome.expect(refusalMessage.contains("OOM"), "the single-job push that ended the fill failed for another reason than OOM: \(refusalMessage)")
            let noopPushed = try await redis.client.send("LLEN", backend.keys.queue(Job.defaultQueue)).integer ?? 0
            outcome.expect(noopPushed == acknowledged, "the queue holds \(noopPushed) Noop jobs, but \(acknowledged) were acknowledged: a refused push was partly applied")
            let pushed = noopPushed + records.count
            outcome.pushed = pushed
            let probe = try await Self.reply(to: RedisCommand("SADD", "chaos-probe", "x"), redis.client)
            outcome.expect(probe.contains("OOM"), "a plain SADD is not refused at maxmemory (\(probe)): the fault is not there")

            let startedAt = MonotonicClock.now()
            let worker = try environment.start("conveyor-worker", [
                "--queue", Job.defaultQueue, "--queue", "later", "--concurrency", "50", "--log-level", "warning",
            ], redis: redis)
            let identity = try await environment.identity(of: worker, backend)
            let lease = try await redis.client.send("EXISTS", backend.keys.lease(identity)).integer ?? 0
            outcome.expect(lease == 1, "the worker beat but holds no lease")
            try await environment.waitUntil("every job run", timeout: 60) {
                let statistics = try await backend.statistics()
                let recorded = try await redis.client.send("SCARD", key).integer ?? 0
                return statistics.enqueued == 0 && statistics.inProgress == 0 && recorded >= records.count
            }
            outcome.recoverySeconds = MonotonicClock.now() - startedAt
            let status = try await environment.stop(worker)
            outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM")
            let log = await worker.finish().errors
            let memoryErrors = log.split(separator: "\n").filter { $0.contains("OOM") }
            let heartbeatErrors = memoryErrors.filter { $0.localizedCaseInsensitiveContains("heartbeat") }
            outcome.expect(heartbeatErrors.isEmpty, "the heartbeat was refused for memory \(heartbeatErrors.count) times: \(heartbeatErrors.first ?? "")")
            outcome.expect(memoryErrors.isEmpty, "the worker logged \(memoryErrors.count) OOM errors: \(memoryErrors.first ?? "")")

            let statistics = try await backend.statistics()
            outcome.expect(statistics.processed == pushed, "stat:processed is \(statistics.processed), expected \(pushed)")
            outcome.expect(statistics.failed == 0 && statistics.retries == 0 && statistics.dead == 0,
                           "failed \(statistics.failed), retry \(statistics.retries), dead \(statistics.dead); expected all 0")
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: records.map(\.jid))
            let recordRuns = try await ChaosEnvironment.runs(redis.client, hash: key + ":runs").values.reduce(0, +)
            let noopRuns = statistics.processed - recordRuns
            outcome.lost = tally.lost + max(0, noopPushed - noopRuns)
            outcome.duplicates = tally.duplicates + max(0, noopRuns - noopPushed)
            outcome.expect(tally.unexpected == 0, "\(tally.unexpected) recorded jids were never pushed")
            outcome.notes.append("Redis refused the fill after \(noopPushed) Noop jobs (--maxmemory 8mb, noeviction; a plain SADD refused too); the worker registered with a lease, ran them and then \(records.count) Record jobs, with \(memoryErrors.count) OOM errors logged")
            return outcome
        }
    }

    /// The server's answer to one command as text: its error message when it refuses.
    static func reply(to command: RedisCommand, _ client: RedisClient) async throws -> String {
        do {
            let replies = try await client.pipeline([command])
            if case .error(let message)? = replies.first { return message }
            return replies.first.map { "\($0)" } ?? "no reply"
        } catch {
            return "\(error)"
        }
    }
}
