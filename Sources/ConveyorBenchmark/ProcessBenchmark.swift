import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import Foundation

/// Processing rate: a queue prefilled with jobs, one `conveyor-worker` process with reliable fetch,
/// timed from the worker's start to the last acknowledgement (when `stat:processed` reaches the job
/// count), with the CPU time of the worker and of redis-server per job (µs per job is ms per 1,000
/// jobs). The jobs are no-ops, or (``Workload/roundTrip``) the built-in `Record`, which makes one
/// Redis round trip (`SADD` and `HINCRBY` in one pipeline) through the worker's shared client.
///
/// With `comparesMetrics`, every run measures the worker twice, once as is and once with
/// `--metrics-port` (metrics on, served, not scraped), in alternating order so that neither always runs
/// on a warmer machine, and each figure is printed beside its metrics-on twin.
struct ProcessBenchmark {
    let bench: BenchmarkEnvironment
    let jobs: Int
    let concurrency: Int
    let runs: Int
    var comparesMetrics = false
    /// A concurrency limit on the no-op jobs, to measure the limiter's cost; nil for none.
    var concurrencyLimit: Int? = nil
    var workload = Workload.noop

    /// What each job does.
    enum Workload {
        /// `Noop`: the worker's and Redis's own cost per job.
        case noop
        /// `Record [key]`: one round trip through the worker's shared client, as a job that writes a result.
        case roundTrip

        var figureName: String { self == .noop ? "one worker" : "one round trip a job" }
        var jobsDescription: String { self == .noop ? "no-op jobs" : "Record jobs (SADD + HINCRBY, one pipelined round trip each)" }
        func job(namespace: String) -> Job {
            self == .noop ? Job(className: "Noop") : Job(className: "Record", args: [.string("\(namespace):recorded")])
        }
    }

    private struct Samples {
        var rates: [Double] = [], workerCPU: [Double] = [], redisCPU: [Double] = [], coresBusy: [Double] = []
    }

    func run() async throws -> [Figure] {
        var off = Samples(), on = Samples()
        for index in 0..<runs {
            let order = !comparesMetrics ? [false] : index % 2 == 0 ? [false, true] : [true, false]
            for withMetrics in order {
                let (rate, worker, redis, cores) = try await measure(withMetrics: withMetrics)
                if withMetrics {
                    on.rates.append(rate); on.workerCPU.append(worker); on.redisCPU.append(redis); if let cores { on.coresBusy.append(cores) }
                } else {
                    off.rates.append(rate); off.workerCPU.append(worker); off.redisCPU.append(redis); if let cores { off.coresBusy.append(cores) }
                }
            }
        }
        let settings = "\(jobs) \(workload.jobsDescription), concurrency \(concurrency), reliable fetch" + (concurrencyLimit.map { ", --concurrency-limit Noop=\($0)" } ?? "")
        let onSettings = settings + ", --metrics-port (served, not scraped)"
        func figures(_ name: String, _ unit: String, _ samples: KeyPath<Samples, [Double]>) -> [Figure] {
            [Figure(name: "process: \(name)", unit: unit, settings: settings, samples: off[keyPath: samples])]
                + (comparesMetrics ? [Figure(name: "process: \(name), metrics on", unit: unit, settings: onSettings, samples: on[keyPath: samples])] : [])
        }
        let cpuSuffix = workload == .noop ? "" : ", one round trip a job"
        return figures(workload.figureName, "jobs/s", \.rates)
            + figures("worker CPU" + cpuSuffix, "CPU ms/1000 jobs", \.workerCPU)
            + figures("redis-server CPU" + cpuSuffix, "CPU ms/1000 jobs", \.redisCPU)
            + (off.coresBusy.isEmpty ? [] : figures("machine cores busy" + cpuSuffix, "cores of \(MachineLoad()?.cores ?? 0)", \.coresBusy))
    }

    /// Jobs per second; the worker's and redis-server's CPU milliseconds per 1,000 jobs; the cores the
    /// whole machine kept busy meanwhile (nil where `/proc/stat` cannot be read).
    private func measure(withMetrics: Bool) async throws -> (Double, Double, Double, Double?) {
        let (backend, namespace) = bench.makeBackend(label: "process")
        try await bench.prefill(backend, count: jobs) { workload.job(namespace: namespace) }
        let processedKey = backend.keys.processed
        let redisBefore = try await bench.redisCPUSeconds(backend.client)
        let started = MonotonicClock.now()
        let loadBefore = MachineLoad()
        let metricsArguments = withMetrics ? ["--metrics-port", "\(try FreePort.find())"] : []
        let limit = concurrencyLimit.map { ["--concurrency-limit", "Noop=\($0)"] } ?? []
        let worker = try bench.start("conveyor-worker", ["--drain", "--concurrency", "\(concurrency)", "--namespace", namespace, "--log-level", "warning"] + metricsArguments + limit)
        try await bench.waitUntil(timeout: 600, "processing \(jobs) jobs") {
            (try await backend.client.send("GET", processedKey).integer ?? 0) >= jobs
        }
        let elapsed = MonotonicClock.now() - started
        let cores = MachineLoad.coresBusy(since: loadBefore)
        let redisAfter = try await bench.redisCPUSeconds(backend.client)
        let result = await worker.finish()
        guard result.status == 0 else { throw BenchmarkError("conveyor-worker failed: \(result.errors)") }
        try await bench.cleanUp(backend, namespace: namespace)
        let perJob = 1_000_000 / Double(jobs)
        return (Double(jobs) / elapsed, worker.cpuSeconds * perJob, (redisAfter - redisBefore) * perJob, cores)
    }
}
