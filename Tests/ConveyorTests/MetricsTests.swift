import Conveyor
import ConveyorSupport
import ConveyorTestKit
import CoreMetrics
import Logging
import MetricsTestKit
import Testing

private struct Refusal: Error {}

/// The worker's metrics through swift-metrics' test backend, on the in-memory backend.
@Suite("Worker metrics")
struct MetricsTests {
    private func labels(_ queue: String, _ className: String) -> [(String, String)] {
        [(MetricName.queueLabel, queue), (MetricName.classLabel, className)]
    }

    private func count(_ metrics: TestMetrics, _ name: String, _ queue: String, _ className: String) -> Int64? {
        (try? metrics.expectCounter(name, labels(queue, className)))?.totalValue
    }

    private func gauge(_ metrics: TestMetrics, _ name: String, _ dimensions: [(String, String)] = []) -> Double? {
        (try? metrics.expectGauge(name, dimensions))?.lastValue
    }

    private var quietLogger: Logger {
        var logger = Logger(label: "conveyor.test.metrics")
        logger.logLevel = .critical
        return logger
    }

    @Test("after a known run every counter, duration count, label and gauge is exact")
    func knownRun() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(className: "Succeed") { _, _ in }
        registry.register(className: "Fail") { _, _ in throw Refusal() }
        let producer = Producer(backend: backend)
        // A crashed worker's private list on a queue this worker does not serve: two jobs go back to
        // it, and one that was running when its worker died for the last allowed time is buried.
        let pill = { () -> Job in
            var job = Job(className: "Succeed", queue: "other")
            job.fields[RecoveryDecision.countField] = .number(JSONNumber(RecoveryPolicy().maximumRecoveries))
            return job
        }()
        try await producer.pushBulk([Job(className: "Succeed", queue: "other"), Job(className: "Succeed", queue: "other"), pill])
        let orphans = try await fetchOnThread(backend, owner: "crashed:1:abc", queues: ["other"], maximum: 3, timeout: 0.1)
        let pillFetched = try #require(orphans.first { (try? Job(json: $0.payload))?.jid == pill.jid })
        try await backend.markStarted(pillFetched, jid: pill.jid)

        var jobs: [Job] = (0..<7).map { _ in Job(className: "Succeed") }           // succeed
        jobs += (0..<4).map { _ in Job(className: "Fail") }                        // fail, retried
        jobs += (0..<3).map { _ in Job(className: "Fail", retry: .limit(0)) }      // fail, dead
        jobs.append(Job(className: "Fail", retry: .never))                         // fail, dropped
        jobs += (0..<20).map { Job(className: "Junk\($0)") }                       // unknown, retried
        try await producer.pushBulk(jobs)
        try await backend.push([EncodedJob(queue: "default", payload: Array("not a job".utf8))])  // dead

        let metrics = TestMetrics()
        let configuration = try WorkerConfiguration(metrics: MetricsReporting(factory: metrics, gaugeInterval: .milliseconds(20)))
        let worker = Worker(backend: backend, registry: registry, configuration: configuration, logger: quietLogger)
        let running = Task { try await worker.run() }
        // Counted once settled: wait for the last counters, then for a gauge reading taken after them.
        try await waitUntil {
            metrics.counterTotal(label: MetricName.retried) == 24 && metrics.counterTotal(label: MetricName.dead) == 4
                && self.gauge(metrics, MetricName.retrySize) == 24 && self.gauge(metrics, MetricName.deadSize) == 5
                && self.gauge(metrics, MetricName.queueSize, [(MetricName.queueLabel, "default")]) == 0
        }
        worker.stop()
        try await running.value

        #expect(count(metrics, MetricName.processed, "default", "Succeed") == 7)
        #expect(count(metrics, MetricName.failed, "default", "Succeed") == 0)
        #expect(count(metrics, MetricName.processed, "default", "Fail") == 8)
        #expect(count(metrics, MetricName.failed, "default", "Fail") == 8)
        #expect(count(metrics, MetricName.retried, "default", "Fail") == 4)
        #expect(count(metrics, MetricName.dead, "default", "Fail") == 3)
        // Twenty junk class names and a payload that is no job share one label value.
        #expect(count(metrics, MetricName.processed, "default", MetricName.unknownClass) == 21)
        #expect(count(metrics, MetricName.failed, "default", MetricName.unknownClass) == 21)
        #expect(count(metrics, MetricName.retried, "default", MetricName.unknownClass) == 20)
        #expect(count(metrics, MetricName.dead, "default", MetricName.unknownClass) == 1)
        let classes = Set(metrics.counters(label: MetricName.processed).flatMap { $0.dimensions.filter { $0.0 == MetricName.classLabel }.map(\.1) })
        #expect(classes == ["Succeed", "Fail", MetricName.unknownClass])
        #expect(metrics.counterTotal(label: MetricName.processed) == 36)

        #expect(try metrics.expectTimer(MetricName.duration, labels("default", "Succeed")).values.count == 7)
        #expect(try metrics.expectTimer(MetricName.duration, labels("default", "Fail")).values.count == 8)
        #expect(metrics.timers(label: MetricName.duration).count == 2, "jobs that never ran have no duration")
        #expect(try metrics.expectTimer(MetricName.duration, labels("default", "Succeed")).values.allSatisfy { $0 >= 0 && $0 < 10_000_000_000 })

        #expect(try metrics.expectCounter(MetricName.recovered, [(MetricName.outcomeLabel, MetricName.requeuedOutcome)]).totalValue == 2)
        #expect(try metrics.expectCounter(MetricName.recovered, [(MetricName.outcomeLabel, MetricName.buriedOutcome)]).totalValue == 1)

        #expect(gauge(metrics, MetricName.queueSize, [(MetricName.queueLabel, "other")]) == 2)
        #expect(try #require(gauge(metrics, MetricName.queueLatency, [(MetricName.queueLabel, "other")])) >= 0)
        #expect(gauge(metrics, MetricName.queueLatency, [(MetricName.queueLabel, "default")]) == 0)
        #expect(gauge(metrics, MetricName.scheduledSize) == 0)
        #expect(gauge(metrics, MetricName.busy) == 0)
    }

    @Test("busy counts the jobs this worker is running")
    func busyGauge() async throws {
        let backend = InMemoryBackend()
        let release = Locked(false)
        var registry = JobRegistry()
        registry.register(className: "Hold") { _, _ in
            while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }
        try await Producer(backend: backend).pushBulk((0..<3).map { _ in Job(className: "Hold") })
        let metrics = TestMetrics()
        let configuration = try WorkerConfiguration(metrics: MetricsReporting(factory: metrics, gaugeInterval: .milliseconds(10)))
        let worker = Worker(backend: backend, registry: registry, configuration: configuration, logger: quietLogger)
        let running = Task { try await worker.run() }
        try await waitUntil { self.gauge(metrics, MetricName.busy) == 3 }
        release.withLock { $0 = true }
        try await waitUntil { self.gauge(metrics, MetricName.busy) == 0 }
        worker.stop()
        try await running.value
        #expect(count(metrics, MetricName.processed, "default", "Hold") == 3)
    }

    @Test("metrics on without a factory use MetricsSystem's, here one bound to the task")
    func systemFactory() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(className: "Succeed") { _, _ in }
        try await Producer(backend: backend).pushBulk((0..<5).map { _ in Job(className: "Succeed") })
        let metrics = TestMetrics()
        let configuration = try WorkerConfiguration(metrics: .enabled)
        let worker = withMetricsFactory(metrics) { Worker(backend: backend, registry: registry, configuration: configuration, logger: quietLogger) }
        try await worker.runUntilIdle()
        #expect(count(metrics, MetricName.processed, "default", "Succeed") == 5)
    }

    @Test("metrics off: the worker makes no metric at all, even with a factory at hand")
    func metricsOff() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(className: "Succeed") { _, _ in }
        registry.register(className: "Fail") { _, _ in throw Refusal() }
        try await Producer(backend: backend).pushBulk([Job(className: "Succeed"), Job(className: "Fail"), Job(className: "Junk")])
        let metrics = TestMetrics()
        let worker = withMetricsFactory(metrics) { Worker(backend: backend, registry: registry, logger: quietLogger) }
        try await worker.runUntilIdle()
        #expect(backend.statisticsSnapshot.processed == 3)
        #expect(metrics.counters.isEmpty && metrics.timers.isEmpty && metrics.recorders.isEmpty)
    }

    @Test("a middleware's failure counts as the run's, timed with the chain")
    func middlewareFailure() async throws {
        struct Blocking: JobMiddleware {
            func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws { throw Refusal() }
        }
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(className: "Succeed") { _, _ in }
        try await Producer(backend: backend).pushBulk([Job(className: "Succeed", retry: .never)])
        let metrics = TestMetrics()
        let configuration = try WorkerConfiguration(middleware: [Blocking()], metrics: MetricsReporting(factory: metrics))
        try await Worker(backend: backend, registry: registry, configuration: configuration, logger: quietLogger).runUntilIdle()
        #expect(count(metrics, MetricName.failed, "default", "Succeed") == 1)
        #expect(count(metrics, MetricName.retried, "default", "Succeed") == 0, "retry: false drops the job")
        #expect(try metrics.expectTimer(MetricName.duration, labels("default", "Succeed")).values.count == 1)
    }
}
