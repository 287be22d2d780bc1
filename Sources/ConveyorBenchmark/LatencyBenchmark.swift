import ConveyorSupport
import Conveyor
import ConveyorRedis
import Foundation

/// Latency: jobs pushed one at a time at a steady rate to an idle worker; the built-in `Latency` job
/// records the time from its `enqueued_at` to its handler's start.
struct LatencyBenchmark {
    let bench: BenchmarkEnvironment
    let rate: Int
    let seconds: Double
    let concurrency: Int
    let runs: Int

    func run() async throws -> [Figure] {
        var p50: [Double] = [], p90: [Double] = [], p99: [Double] = [], maximum: [Double] = []
        for _ in 0..<runs {
            let sorted = try await measure().sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] / 1000 }
            p50.append(percentile(0.50))
            p90.append(percentile(0.90))
            p99.append(percentile(0.99))
            maximum.append((sorted.last ?? 0) / 1000)
        }
        let settings = "\(rate) jobs/s for \(seconds) s to an idle worker, concurrency \(concurrency)"
        return [
            Figure(name: "latency: p50", unit: "ms", settings: settings, samples: p50),
            Figure(name: "latency: p90", unit: "ms", settings: settings, samples: p90),
            Figure(name: "latency: p99", unit: "ms", settings: settings, samples: p99),
            Figure(name: "latency: max", unit: "ms", settings: settings, samples: maximum),
        ]
    }

    /// Returns each job's enqueue-to-start time in microseconds.
    private func measure() async throws -> [Double] {
        let (backend, namespace) = bench.makeBackend(label: "latency")
        let listKey = "\(namespace):latencies"
        let worker = try bench.start("conveyor-worker", ["--concurrency", "\(concurrency)", "--namespace", namespace, "--log-level", "warning"])
        try await bench.waitUntil(timeout: 30, "the worker registering", interval: .milliseconds(10)) {
            try await backend.statistics().processes == 1
        }
        // Let the worker settle into its blocking fetch before the clock starts.
        try await Task.sleep(for: .milliseconds(200))
        let producer = Producer(backend: backend)
        let total = Int(Double(rate) * seconds)
        let interval = 1.0 / Double(rate)
        let started = MonotonicClock.now()
        for index in 0..<total {
            let due = started + Double(index) * interval
            let wait = due - MonotonicClock.now()
            if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
            try await producer.push(className: "Latency", args: [.string(listKey)])
        }
        try await bench.waitUntil(timeout: 60, "all latency jobs running") {
            (try await backend.client.send("LLEN", listKey).integer ?? 0) >= total
        }
        let values = (try await backend.client.send("LRANGE", listKey, 0, -1).array ?? []).compactMap { $0.integer.map(Double.init) }
        worker.signal(SIGTERM)
        _ = await worker.finish()
        try await bench.cleanUp(backend, namespace: namespace)
        return values
    }
}
