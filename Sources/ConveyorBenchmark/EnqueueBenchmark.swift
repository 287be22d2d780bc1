import ConveyorSupport
import Conveyor
import ConveyorRedis
import Foundation

/// Enqueue rates: single pushes from Swift with many in flight on one client, bulk pushes, and the
/// `conveyor push --count` CLI as a whole process.
struct EnqueueBenchmark {
    let bench: BenchmarkEnvironment
    let jobs: Int
    let concurrency: Int
    let runs: Int

    func run() async throws -> [Figure] {
        var single: [Double] = [], bulk: [Double] = [], command: [Double] = []
        for _ in 0..<runs {
            single.append(try await measureSingle())
            bulk.append(try await measureBulk())
            command.append(try await measureCommand())
        }
        return [
            Figure(name: "enqueue: single push", unit: "jobs/s", settings: "\(jobs) pushes, \(concurrency) in flight, one client", samples: single),
            Figure(name: "enqueue: bulk push", unit: "jobs/s", settings: "\(jobs) jobs, pushBulk of 10,000", samples: bulk),
            Figure(name: "enqueue: conveyor push --count", unit: "jobs/s", settings: "\(jobs) jobs, whole process", samples: command),
        ]
    }

    private func measureSingle() async throws -> Double {
        let (backend, namespace) = bench.makeBackend(label: "single")
        let producer = Producer(backend: backend)
        let perTask = jobs / concurrency
        let started = MonotonicClock.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    for _ in 0..<perTask { try await producer.push(className: "Noop") }
                }
            }
            try await group.waitForAll()
        }
        let rate = Double(perTask * concurrency) / (MonotonicClock.now() - started)
        try await bench.cleanUp(backend, namespace: namespace)
        return rate
    }

    private func measureBulk() async throws -> Double {
        let (backend, namespace) = bench.makeBackend(label: "bulk")
        let producer = Producer(backend: backend)
        let started = MonotonicClock.now()
        var pushed = 0
        while pushed < jobs {
            let count = min(10_000, jobs - pushed)
            try await producer.pushBulk((0..<count).map { _ in Job(className: "Noop") })
            pushed += count
        }
        let rate = Double(jobs) / (MonotonicClock.now() - started)
        try await bench.cleanUp(backend, namespace: namespace)
        return rate
    }

    private func measureCommand() async throws -> Double {
        let (backend, namespace) = bench.makeBackend(label: "cli")
        let started = MonotonicClock.now()
        let process = try bench.start("conveyor", ["push", "Noop", "--count", "\(jobs)", "--namespace", namespace])
        let result = await process.finish()
        let elapsed = MonotonicClock.now() - started
        guard result.status == 0 else { throw BenchmarkError("conveyor push failed: \(result.errors)") }
        try await bench.cleanUp(backend, namespace: namespace)
        return Double(jobs) / elapsed
    }
}
