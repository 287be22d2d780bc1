import Conveyor
import ConveyorRedis
import Foundation

/// Memory: a worker's resident set when idle, after one batch of no-op jobs and after a second, so
/// growth from one batch to the next shows a leak.
struct MemoryBenchmark {
    let bench: BenchmarkEnvironment
    let jobs: Int
    let concurrency: Int

    func run() async throws -> [Figure] {
        let (backend, namespace) = bench.makeBackend(label: "memory")
        let worker = try bench.start("conveyor-worker", ["--concurrency", "\(concurrency)", "--namespace", namespace, "--log-level", "warning"])
        try await bench.waitUntil(timeout: 30, "the worker registering", interval: .milliseconds(10)) {
            try await backend.statistics().processes == 1
        }
        try await Task.sleep(for: .seconds(1))
        let idle = Double(worker.residentKilobytes ?? 0) / 1024
        var afterBatches: [Double] = []
        for batch in 1...2 {
            try await bench.prefill(backend, count: jobs) { Job(className: "Noop") }
            try await bench.waitUntil(timeout: 900, "processing memory batch \(batch)", interval: .milliseconds(20)) {
                (try await backend.client.send("GET", backend.keys.processed).integer ?? 0) >= jobs * batch
            }
            afterBatches.append(Double(worker.residentKilobytes ?? 0) / 1024)
        }
        let peak = Double(worker.peakResidentKilobytesSoFar ?? 0) / 1024
        worker.signal(SIGTERM)
        _ = await worker.finish()
        try await bench.cleanUp(backend, namespace: namespace)
        let settings = "concurrency \(concurrency), batches of \(jobs) no-op jobs"
        return [
            Figure(name: "memory: worker RSS idle", unit: "MB", settings: settings, samples: [idle]),
            Figure(name: "memory: worker RSS after batch 1", unit: "MB", settings: settings, samples: [afterBatches[0]]),
            Figure(name: "memory: worker RSS after batch 2", unit: "MB", settings: settings, samples: [afterBatches[1]]),
            Figure(name: "memory: worker peak RSS", unit: "MB", settings: settings, samples: [peak]),
        ]
    }
}
