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
        var off: [Double] = [], on: [Double] = []
        for index in 0..<runs {
            let order = !comparesMetrics ? [false] : index % 2 == 0 ? [false, true] : [true, false]
            for withMetrics in order {
                let rate = try await measure(metrics: withMetrics ? MetricsReporting(factory: PrometheusMetrics().factory) : nil)
                if withMetrics { on.append(rate) } else { off.append(rate) }
            }
        }
        let settings = "\(jobs) no-op jobs, concurrency \(concurrency), worker in this process"
        return [Figure(name: "process: in-memory backend", unit: "jobs/s", settings: settings, samples: off)]
            + (comparesMetrics ? [Figure(name: "process: in-memory backend, metrics on", unit: "jobs/s", settings: settings + ", metrics to a Prometheus registry", samples: on)] : [])
    }

    private func measure(metrics: MetricsReporting?) async throws -> Double {
        let backend = InMemoryBackend()
        try await Producer(backend: backend).pushBulk((0..<jobs).map { _ in Job(className: "Noop") })
        var registry = JobRegistry()
        registry.register(className: "Noop") { _, _ in }
        var logger = Logger(label: "conveyor.bench.in-memory")
        logger.logLevel = .warning
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(concurrency: concurrency, metrics: metrics), logger: logger)
        let started = MonotonicClock.now()
        try await worker.runUntilIdle()
        let elapsed = MonotonicClock.now() - started
        guard backend.statisticsSnapshot.processed == jobs else {
            throw BenchmarkError("the in-memory worker processed \(backend.statisticsSnapshot.processed) of \(jobs) jobs")
        }
        return Double(jobs) / elapsed
    }
}
