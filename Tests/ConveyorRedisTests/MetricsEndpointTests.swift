import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import Testing

/// `conveyor-worker --metrics-port`: a real worker on a real Redis, scraped over HTTP.
@Suite("Metrics endpoint of conveyor-worker", .serialized)
struct MetricsEndpointTests {
    /// The worker's `/metrics` page, or nil while it is not listening yet.
    private func scrape(_ port: Int) async -> PrometheusSamples? {
        guard let response = try? await HTTPTestClient.get("/metrics", port: port), response.status == 200 else { return nil }
        return PrometheusSamples(response.body)
    }

    @Test("counts on /metrics equal the jobs run, the gauges are there, a second worker on the port exits 1, SIGTERM exits 0")
    func scrapeRealWorker() async throws {
        let context = try await RedisTestContext("metrics")
        let port = try FreePort.find()
        var jobs = (0..<30).map { _ in Job(className: "Noop") }
        jobs += (0..<5).map { _ in Job(className: "Fail", args: ["boom"], retry: .limit(0)) }
        jobs += (0..<3).map { _ in Job(className: "Mystery") }
        try await Producer(backend: context.backend).pushBulk(jobs)
        let worker = try CommandLine.start("conveyor-worker", ["--namespace", context.namespace, "--metrics-port", "\(port)", "--concurrency", "5"], redisURL: context.server.url)

        let processed = MetricName.processed
        try await waitUntil(timeout: 30, "all 38 jobs counted on /metrics") {
            guard let page = await scrape(port) else { return false }
            return page.value(processed) == 38 && page.value(MetricName.dead) == 5 && page.value(MetricName.retried) == 3
        }
        // The gauges are read every 5 s: wait for a reading taken after the jobs settled.
        try await waitUntil(timeout: 30, "the set gauges to show the settled jobs") {
            guard let page = await scrape(port) else { return false }
            return page.value(MetricName.deadSize) == 5 && page.value(MetricName.retrySize) == 3
        }
        let page = try #require(await scrape(port))
        #expect(page.value(processed, ["queue": "default", "class": "Noop"]) == 30)
        #expect(page.value(MetricName.failed, ["queue": "default", "class": "Noop"]) == 0)
        #expect(page.value(processed, ["queue": "default", "class": "Fail"]) == 5)
        #expect(page.value(MetricName.failed, ["queue": "default", "class": "Fail"]) == 5)
        #expect(page.value(MetricName.dead, ["queue": "default", "class": "Fail"]) == 5)
        #expect(page.value(processed, ["queue": "default", "class": "unknown"]) == 3)
        #expect(page.value(MetricName.retried, ["queue": "default", "class": "unknown"]) == 3)
        #expect(page.value(MetricName.failed) == 8)
        #expect(page.value("\(MetricName.duration)_count", ["class": "Noop"]) == 30)
        #expect(page.value("\(MetricName.duration)_count", ["class": "Fail"]) == 5)
        #expect(page.value("\(MetricName.duration)_bucket", ["class": "Noop", "le": "+Inf"]) == 30)
        #expect(page.value(MetricName.queueSize, ["queue": "default"]) == 0)
        #expect(page.value(MetricName.queueLatency, ["queue": "default"]) == 0)
        for gauge in [MetricName.busy, MetricName.scheduledSize] {
            #expect(page.contains(gauge), "\(gauge) is missing")
        }
        #expect(page.value(MetricName.recovered) == 0)
        // The worker's counts agree with Redis's own.
        #expect(try await context.backend.statistics().processed == 38)

        let second = try await CommandLine.run("conveyor-worker", ["--namespace", context.namespace, "--metrics-port", "\(port)"], redisURL: context.server.url)
        #expect(second.status == 1)
        #expect(second.errors.contains("another process already listens on that port"), "stderr: \(second.errors)")
        #expect(worker.isRunning)

        worker.signal(SIGTERM)
        let result = await CommandLine.finish(worker)
        #expect(result.status == 0, "stderr: \(result.errors)")
        #expect(result.errors.contains("Serving metrics."))
        await #expect(throws: (any Error).self, "the server closes with the worker") { try await HTTPTestClient.get("/metrics", port: port, timeout: 2) }
        try await context.finish()
    }

    @Test("bad metrics flags exit 64 before anything starts", arguments: [
        (["--metrics-port", "9394", "--metrics-bind", "1.2.3"], "is not an IP address"),
        (["--metrics-port", "9394", "--metrics-bind", "localhost"], "is not an IP address"),
        (["--metrics-port", "0"], "from 1 to 65535"),
        (["--metrics-port", "70000"], "from 1 to 65535"),
        (["--metrics-bind", "0.0.0.0"], "--metrics-bind needs --metrics-port"),
    ])
    func badFlags(arguments: [String], message: String) async throws {
        // A Redis nobody listens on: validation must fail before any connection is tried.
        let result = try await CommandLine.run("conveyor-worker", arguments, redisURL: "redis://127.0.0.1:1/0")
        #expect(result.status == 64)
        #expect(result.errors.contains(message), "stderr: \(result.errors)")
    }
}
