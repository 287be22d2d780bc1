import ConveyorSupport
import Conveyor
import ConveyorRedis
import Foundation

/// Processing rate: a queue prefilled with no-op jobs, one `conveyor-worker` process with reliable
/// fetch, timed from the worker's start to the last acknowledgement (when `stat:processed` reaches
/// the job count), with the CPU time of the worker and of redis-server per job (µs per job is ms per
/// 1,000 jobs).
struct ProcessBenchmark {
    let bench: BenchmarkEnvironment
    let jobs: Int
    let concurrency: Int
    let runs: Int
    /// A concurrency limit on the no-op jobs, to measure the limiter's cost; nil for none.
    var concurrencyLimit: Int? = nil

    func run() async throws -> [Figure] {
        var rates: [Double] = [], workerCPU: [Double] = [], redisCPU: [Double] = []
        for _ in 0..<runs {
            let (rate, worker, redis) = try await measure()
            rates.append(rate)
            workerCPU.append(worker)
            redisCPU.append(redis)
        }
        let settings = "\(jobs) no-op jobs, concurrency \(concurrency), reliable fetch" + (concurrencyLimit.map { ", --concurrency-limit Noop=\($0)" } ?? "")
        return [
            Figure(name: "process: one worker", unit: "jobs/s", settings: settings, samples: rates),
            Figure(name: "process: worker CPU", unit: "CPU ms/1000 jobs", settings: settings, samples: workerCPU),
            Figure(name: "process: redis-server CPU", unit: "CPU ms/1000 jobs", settings: settings, samples: redisCPU),
        ]
    }

    private func measure() async throws -> (Double, Double, Double) {
        let (backend, namespace) = bench.makeBackend(label: "process")
        var pushed = 0
        while pushed < jobs {
            let count = min(10_000, jobs - pushed)
            try await Producer(backend: backend).pushBulk((0..<count).map { _ in Job(className: "Noop") })
            pushed += count
        }
        let processedKey = backend.keys.processed
        let redisBefore = try await bench.redisCPUSeconds(backend.client)
        let started = MonotonicClock.now()
        let limit = concurrencyLimit.map { ["--concurrency-limit", "Noop=\($0)"] } ?? []
        let worker = try bench.start("conveyor-worker", ["--drain", "--concurrency", "\(concurrency)", "--namespace", namespace, "--log-level", "warning"] + limit)
        try await bench.waitUntil(timeout: 600, "processing \(jobs) jobs") {
            (try await backend.client.send("GET", processedKey).integer ?? 0) >= jobs
        }
        let elapsed = MonotonicClock.now() - started
        let redisAfter = try await bench.redisCPUSeconds(backend.client)
        let result = await worker.finish()
        guard result.status == 0 else { throw BenchmarkError("conveyor-worker failed: \(result.errors)") }
        try await bench.cleanUp(backend, namespace: namespace)
        let perJob = 1_000_000 / Double(jobs)
        return (Double(jobs) / elapsed, worker.cpuSeconds * perJob, (redisAfter - redisBefore) * perJob)
    }
}
