import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import Foundation
import RedisClient

/// Conveyor and Sidekiq side by side: the same `Record` job (`SADD` and `HINCRBY` in one pipelined
/// round trip) prefilled in the same payload format on the same Redis, run by one `conveyor-worker`
/// and by one `sidekiq` process at the same concurrency, in alternating order within each run.
///
/// Both are timed the same way, from outside: from the first job's write to the last one's (the
/// record set's size, polled every 2 ms), so neither process's start-up (Ruby's is a second or more)
/// counts, and Sidekiq's acknowledgement-free basic fetch is set against Conveyor's reliable fetch.
struct SidekiqComparison {
    let bench: BenchmarkEnvironment
    let jobs: Int
    let concurrency: Int
    let runs: Int
    /// The Ruby file that defines Sidekiq's `Record` job.
    let jobFile: String

    func run() async throws -> [Figure] {
        let sidekiq = try Self.locate("sidekiq")
        // Absolute: `sidekiq -r` requires a relative path through Ruby's load path, where it is not.
        let jobFile = URL(fileURLWithPath: jobFile).path
        guard FileManager.default.fileExists(atPath: jobFile) else {
            throw BenchmarkError("the Sidekiq job file \(jobFile) does not exist; run from the repository root or pass --sidekiq-job-file")
        }
        var conveyor: [Double] = [], ruby: [Double] = [], ratios: [Double] = []
        for index in 0..<runs {
            var pair: (conveyor: Double, sidekiq: Double) = (0, 0)
            // Alternating order, so neither side always runs on a warmer machine.
            for isConveyor in index % 2 == 0 ? [true, false] : [false, true] {
                if isConveyor {
                    pair.conveyor = try await measureConveyor()
                } else {
                    pair.sidekiq = try await measureSidekiq(executable: sidekiq, jobFile: jobFile)
                }
            }
            conveyor.append(pair.conveyor)
            ruby.append(pair.sidekiq)
            ratios.append(pair.conveyor / pair.sidekiq)
        }
        let version = await Self.sidekiqVersion()
        let settings = "\(jobs) Record jobs (SADD + HINCRBY, one pipelined round trip each), concurrency \(concurrency), one process each, timed first write to last"
        return [
            Figure(name: "compare: conveyor-worker", unit: "jobs/s", settings: settings + ", reliable fetch", samples: conveyor),
            Figure(name: "compare: sidekiq \(version)", unit: "jobs/s", settings: settings + ", Sidekiq's basic fetch", samples: ruby),
            Figure(name: "compare: conveyor / sidekiq", unit: "×", settings: "ratio of each run's pair", samples: ratios),
        ]
    }

    private func measureConveyor() async throws -> Double {
        let (backend, namespace) = bench.makeBackend(label: "compare")
        let setKey = "\(namespace):recorded"
        try await bench.prefill(backend, count: jobs) { Job(className: "Record", args: [.string(setKey)]) }
        let worker = try bench.start("conveyor-worker", ["--drain", "--concurrency", "\(concurrency)", "--namespace", namespace, "--log-level", "warning"])
        let rate = try await timeRecords(in: setKey, client: backend.client, process: worker, what: "conveyor-worker")
        let result = await worker.finish()
        guard result.status == 0 else { throw BenchmarkError("conveyor-worker failed: \(result.errors)") }
        try await bench.cleanUp(backend, namespace: namespace)
        return rate
    }

    private func measureSidekiq(executable: String, jobFile: String) async throws -> Double {
        // Sidekiq 6 knows no namespace: its queue and set get names of their own, removed afterwards.
        let name = "bench-sidekiq-\(UUID().uuidString.prefix(8).lowercased())"
        let backend = RedisBackend(client: RedisClient(configuration: bench.configuration))
        let setKey = "\(name):recorded"
        try await bench.prefill(backend, count: jobs) { Job(className: "Record", args: [.string(setKey)], queue: name) }
        let sidekiq = try ChildProcess(executable, ["-r", jobFile, "-c", "\(concurrency)", "-q", name, "-t", "2"], environment: ["REDIS_URL": bench.redisURL])
        let rate = try await timeRecords(in: setKey, client: backend.client, process: sidekiq, what: "sidekiq")
        sidekiq.signal(SIGTERM)
        let result = await sidekiq.finish()
        guard result.status == 0 else { throw BenchmarkError("sidekiq exited \(result.status): \(result.errors)") }
        try await backend.client.send("UNLINK", backend.keys.queue(name), setKey, setKey + ":runs")
        try await backend.client.send("SREM", backend.keys.queues, name)
        await backend.client.close()
        return rate
    }

    /// Jobs per second from the first record in `setKey` to the last.
    private func timeRecords(in setKey: String, client: RedisClient, process: ChildProcess, what: String) async throws -> Double {
        var first: (time: Double, count: Int)?
        var last = 0.0
        try await bench.waitUntil(timeout: 900, "\(what) running \(jobs) Record jobs", interval: .milliseconds(2)) {
            let count = try await client.send("SCARD", setKey).integer ?? 0
            let now = MonotonicClock.now()
            if first == nil, count > 0 { first = (now, count) }
            last = now
            if count < jobs, !process.isRunning {
                let result = await process.finish()
                throw BenchmarkError("\(what) exited \(result.status) before running every job: \(result.errors.suffix(2000))")
            }
            return count >= jobs
        }
        guard let first, last > first.time else { throw BenchmarkError("\(what) ran every job before the first poll; use more --compare-jobs") }
        return Double(jobs - first.count) / (last - first.time)
    }

    /// The version the `sidekiq` gem reports, for the figure's name.
    private static func sidekiqVersion() async -> String {
        guard let ruby = try? locate("ruby"), let process = try? ChildProcess(ruby, ["-e", "require 'sidekiq'; print Sidekiq::VERSION"]) else { return "?" }
        let result = await process.finish()
        return result.status == 0 ? result.output : "?"
    }

    private static func locate(_ program: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/local/bin", "/usr/bin"] {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchmarkError("\(program) is not installed; run scripts/install-deps --ruby")
    }
}
