@testable import Conveyor
import ConveyorSupport
import Logging
import ServiceLifecycle
import Testing

@Suite("Worker lifecycle: states, transitions, and the worker as a Service")
struct WorkerLifecycleTests {
    @Test("a worker moves created → running → quiet → stopping → stopped, and nothing leaves stopped")
    func happyPath() throws {
        var lifecycle = WorkerLifecycle()
        #expect(lifecycle.state == .created && !lifecycle.isStopRequested)
        try lifecycle.start()
        #expect(lifecycle.state == .running)
        let changed1 = lifecycle.quiet()
        #expect(changed1)
        #expect(lifecycle.state == .quiet)
        let changed2 = lifecycle.quiet()
        #expect(!changed2, "quiet twice changes nothing")
        let changed3 = lifecycle.stop(.graceful, at: 10)
        #expect(changed3)
        #expect(lifecycle.state == .stopping(.graceful) && lifecycle.stopRequestedAt == 10 && lifecycle.isStopRequested)
        let changed4 = lifecycle.stop(.graceful, at: 11)
        #expect(!changed4, "a second graceful stop changes nothing")
        #expect(lifecycle.stopRequestedAt == 10, "limits count from the first request")
        lifecycle.finish()
        #expect(lifecycle.state == .stopped)
        let stoppedAgain = lifecycle.stop(.immediate, at: 12)
        let quietAgain = lifecycle.quiet()
        #expect(!stoppedAgain && !quietAgain)
        #expect(lifecycle.state == .stopped)
    }

    @Test("an immediate stop cuts a graceful one short, but not the other way round")
    func escalation() throws {
        var lifecycle = WorkerLifecycle()
        try lifecycle.start()
        let changed5 = lifecycle.stop(.graceful, at: 1)
        #expect(changed5)
        let changed6 = lifecycle.stop(.immediate, at: 2)
        #expect(changed6)
        #expect(lifecycle.state == .stopping(.immediate) && lifecycle.isImmediate)
        #expect(lifecycle.stopRequestedAt == 1)
        let changed7 = lifecycle.stop(.graceful, at: 3)
        #expect(!changed7)
        #expect(lifecycle.state == .stopping(.immediate))
    }

    @Test("a worker runs once: stopped before it started it still starts (and shuts down at once); a second start throws")
    func runsOnce() throws {
        var lifecycle = WorkerLifecycle()
        let changed8 = lifecycle.stop(.graceful, at: 1)
        #expect(changed8)
        try lifecycle.start()
        #expect(lifecycle.state == .stopping(.graceful))
        do {
            try lifecycle.start()
            Issue.record("a second start should throw")
        } catch {
            #expect(error == .alreadyStarted)
        }
        let changed9 = lifecycle.quiet()
        #expect(!changed9, "a stopping worker cannot go quiet")
    }

    private func blockingRegistry(started: Locked<Int>, finished: Locked<Int>) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(className: "Slow") { _, _ in
            started.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(300))
            finished.withLock { $0 += 1 }
        }
        return registry
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = MonotonicClock.now() + 10
        while !condition() {
            guard MonotonicClock.now() < deadline else { throw TestTimeout() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private struct TestTimeout: Error {}

    @Test("in a ServiceGroup, a graceful shutdown drains: the running job finishes and is acknowledged")
    func serviceGroupGracefulShutdownDrains() async throws {
        let backend = InMemoryBackend()
        let (started, finished) = (Locked(0), Locked(0))
        let worker = Worker(backend: backend, registry: blockingRegistry(started: started, finished: finished))
        try await Producer(backend: backend).push(className: "Slow")
        let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await waitUntil { started.withLock { $0 } == 1 }
        #expect(worker.state == .running)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(finished.withLock { $0 } == 1, "the graceful shutdown waited for the job")
        #expect(worker.state == .stopped)
        #expect(backend.statisticsSnapshot.processed == 1 && backend.jobs(inQueue: "default").isEmpty)
    }

    @Test("cancelling the worker's task cancels the running job and pushes it back at once, without waiting for the shutdown timeout")
    func cancellationRequeuesAtOnce() async throws {
        let backend = InMemoryBackend()
        let (started, finished) = (Locked(0), Locked(0))
        var registry = JobRegistry()
        registry.register(className: "Endless") { _, _ in
            started.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(60))
            finished.withLock { $0 += 1 }
        }
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(shutdownTimeout: .seconds(60)))
        let jid = try await Producer(backend: backend).push(className: "Endless")
        let running = Task { try await worker.run() }
        try await waitUntil { started.withLock { $0 } == 1 }
        let cancelledAt = MonotonicClock.now()
        running.cancel()
        try await running.value
        // Bounded by the consumer's last blocking fetch (at most 2 s), not the 60 s shutdown timeout.
        #expect(MonotonicClock.now() - cancelledAt < 10)
        #expect(finished.withLock { $0 } == 0)
        #expect(backend.jobs(inQueue: "default").map(\.jid) == [jid], "the job is back in its queue")
        #expect(worker.state == .stopped)
    }

    @Test("stop(.immediate) during a graceful drain cuts the drain short")
    func immediateCutsDrainShort() async throws {
        let backend = InMemoryBackend()
        let started = Locked(0)
        var registry = JobRegistry()
        registry.register(className: "Endless") { _, _ in
            started.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(60))
        }
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(shutdownTimeout: .seconds(60)))
        try await Producer(backend: backend).push(className: "Endless")
        let running = Task { try await worker.run() }
        try await waitUntil { started.withLock { $0 } == 1 }
        worker.stop()
        try await waitUntil { worker.state == .stopping(.graceful) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(worker.state == .stopping(.graceful), "still draining")
        let escalatedAt = MonotonicClock.now()
        worker.stop(.immediate)
        try await running.value
        // Without the escalation the drain would wait out its 60 s timeout.
        #expect(MonotonicClock.now() - escalatedAt < 10)
        #expect(backend.jobs(inQueue: "default").count == 1)
        #expect(worker.state == .stopped)
    }

    @Test("a handler that catches the shutdown's cancellation and returns normally is acknowledged, not also pushed back")
    func cancelledHandlerThatSucceedsIsNotRequeued() async throws {
        let backend = InMemoryBackend()
        let (started, finished) = (Locked(0), Locked(0))
        var registry = JobRegistry()
        registry.register(className: "Stubborn") { _, _ in
            started.withLock { $0 += 1 }
            try? await Task.sleep(for: .seconds(60))  // swallows the cancellation
            finished.withLock { $0 += 1 }
        }
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(shutdownTimeout: .seconds(60)))
        try await Producer(backend: backend).push(className: "Stubborn")
        let running = Task { try await worker.run() }
        try await waitUntil { started.withLock { $0 } == 1 }
        running.cancel()
        try await running.value
        #expect(finished.withLock { $0 } == 1)
        #expect(backend.jobs(inQueue: "default").isEmpty, "the job ran to success: pushing it back too would run it twice")
        #expect(backend.statisticsSnapshot.processed == 1 && backend.statisticsSnapshot.inProgress == 0)
    }
}
