import ConveyorSupport
import Conveyor
import ConveyorPrometheus
import Foundation
import Logging

/// The worker's own cost without Redis: no-op jobs through the in-memory backend, in this process.
/// Set against the Redis figure it shows how much of a job's time is the worker (threads, tasks,
/// JSON) and how much is Redis and the network. With `comparesMetrics`, each run is measured with
/// metrics off and on (to a Prometheus registry), in alternating order: the per-job cost of metrics
/// without Redis's noise.
struct InMemoryProcessBenchmark {
    let jobs: Int
    let concurrency: Int
    let runs: Int
    var comparesMetrics = false

    func run() async throws -> [Figure] {
        var off: [Double] = [], on: [Double] = [], offCPU: [Double] = [], onCPU: [Double] = []
        for index in 0..<runs {
            let order = !comparesMetrics ? [false] : index % 2 == 0 ? [false, true] : [true, false]
            for withMetrics in order {
                let (rate, cpu) = try await measure(metrics: withMetrics ? MetricsReporting(factory: PrometheusMetrics().factory) : nil)
                if withMetrics {
                    on.append(rate); onCPU.append(cpu)
                } else {
                    off.append(rate); offCPU.append(cpu)
                }
            }
        }
        let settings = "\(jobs) no-op jobs, concurrency \(concurrency), worker in this process"
        let cpuSettings = settings + "; this process's CPU while the worker ran (µs per job is ms per 1,000)"
        return [
            Figure(name: "process: in-memory backend", unit: "jobs/s", settings: settings, samples: off),
            Figure(name: "process: in-memory worker CPU", unit: "CPU ms/1000 jobs", settings: cpuSettings, samples: offCPU),
        ] + (!comparesMetrics ? [] : [
            Figure(name: "process: in-memory backend, metrics on", unit: "jobs/s", settings: settings + ", metrics to a Prometheus registry", samples: on),
            Figure(name: "process: in-memory worker CPU, metrics on", unit: "CPU ms/1000 jobs", settings: cpuSettings + ", metrics to a Prometheus registry", samples: onCPU),
        ])
    }

    /// Jobs per second, and CPU milliseconds per 1,000 jobs.
    private func measure(metrics: MetricsReporting?) async throws -> (Double, Double) {
        let backend = InMemoryBackend()
        try await Producer(backend: backend).pushBulk((0..<jobs).map { _ in Job(className: "Noop") })
        var registry = JobRegistry()
        registry.register(className: "Noop") { _, _ in }
        var logger = Logger(label: "conveyor.bench.in-memory")
        logger.logLevel = .warning
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(concurrency: concurrency, metrics: metrics), logger: logger)
        let started = MonotonicClock.now()
        let cpuBefore = ProcessCPU.seconds()
        try await worker.runUntilIdle()
        let elapsed = MonotonicClock.now() - started
        let cpu = ProcessCPU.seconds() - cpuBefore
        guard backend.statisticsSnapshot.processed == jobs else {
            throw BenchmarkError("the in-memory worker processed \(backend.statisticsSnapshot.processed) of \(jobs) jobs")
        }
        return (Double(jobs) / elapsed, cpu * 1_000_000 / Double(jobs))
    }
}
