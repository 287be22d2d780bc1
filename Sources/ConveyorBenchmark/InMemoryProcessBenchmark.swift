import ConveyorSupport
import Conveyor
import Foundation
import Logging

/// The worker's own cost without Redis: no-op jobs through the in-memory backend, in this process.
/// Set against the Redis figure it shows how much of a job's time is the worker (threads, tasks,
/// JSON) and how much is Redis and the network.
struct InMemoryProcessBenchmark {
    let jobs: Int
    let concurrency: Int
    let runs: Int

    func run() async throws -> [Figure] {
        var rates: [Double] = []
        for _ in 0..<runs {
            let backend = InMemoryBackend()
            try await Producer(backend: backend).pushBulk((0..<jobs).map { _ in Job(className: "Noop") })
            var registry = JobRegistry()
            registry.register(className: "Noop") { _, _ in }
            var logger = Logger(label: "conveyor.bench.in-memory")
            logger.logLevel = .warning
            let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(concurrency: concurrency), logger: logger)
            let started = MonotonicClock.now()
            try await worker.runUntilIdle()
            let elapsed = MonotonicClock.now() - started
            guard backend.statisticsSnapshot.processed == jobs else {
                throw BenchmarkError("the in-memory worker processed \(backend.statisticsSnapshot.processed) of \(jobs) jobs")
            }
            rates.append(Double(jobs) / elapsed)
        }
        return [Figure(name: "process: in-memory backend", unit: "jobs/s", settings: "\(jobs) no-op jobs, concurrency \(concurrency), worker in this process", samples: rates)]
    }
}
