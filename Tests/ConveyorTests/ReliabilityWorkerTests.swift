import Conveyor
import ConveyorSupport
import Foundation
import Testing

private struct Reminder: JobParameters {
    static let jobName = "Reminder"
    static let retry = RetryPolicy.limit(5)
    static func retryDelay(forRetryCount retryCount: Int) -> Double? { retryCount == 0 ? 1000 : nil }
    static var timeout: Duration? { .milliseconds(50) }
    let userID: Int
}

private struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

@Suite("Worker reliability on the in-memory backend")
struct ReliabilityWorkerTests {
    func configuration(_ shutdownTimeout: Duration = .seconds(25), onDeath: (@Sendable (Job, any Error) async -> Void)? = nil) -> WorkerConfiguration {
        try! WorkerConfiguration(  // valid settings: the initializer cannot throw here
           shutdownTimeout: shutdownTimeout, heartbeatInterval: .milliseconds(20), scheduledPollInterval: .milliseconds(20), onDeath: onDeath)
    }

    @Test("a run past its timeout is cancelled and fails with a message naming the limit")
    func timeout() async throws {
        let backend = InMemoryBackend()
        let cancelled = Locked(false)
        var registry = JobRegistry()
        registry.register(className: "Slow", options: JobOptions(timeout: .milliseconds(100))) { _, _ in
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelled.withLock { $0 = true }
                throw error
            }
        }
        try await Producer(backend: backend).push(className: "Slow")
        let started = MonotonicClock.now()
        try await Worker(backend: backend, registry: registry).runUntilIdle()
        #expect(MonotonicClock.now() - started < 10, "the handler was not cancelled at its deadline")
        #expect(cancelled.withLock { $0 })
        let retried = try #require(backend.jobs(in: .retry).first?.job)
        #expect(retried.fields["error_message"] == "Job exceeded its timeout of 0.1 s")
        #expect(retried.fields["error_class"] == "JobTimeoutError")
        #expect(backend.statisticsSnapshot.failed == 1)
    }

    @Test("a typed job's own retry delay and timeout are used")
    func typedOptions() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(Reminder.self) { _, _ in try await Task.sleep(for: .seconds(30)) }
        try await Producer(backend: backend).push(Reminder(userID: 1))
        let before = WallClock.now()
        try await Worker(backend: backend, registry: registry).runUntilIdle()
        let entry = try #require(backend.jobs(in: .retry).first)
        #expect(entry.score >= before + 999 && entry.score <= WallClock.now() + 1001, "score \(entry.score) is not 1000 s after the failure")
        #expect(entry.job.fields["error_message"] == "Job exceeded its timeout of 0.05 s")
        #expect(entry.job.retry == .limit(5))
    }

    @Test("the death hook gets the job and the error when retries run out, once")
    func deathHook() async throws {
        let backend = InMemoryBackend()
        let deaths = Locked<[(String, String)]>([])
        var registry = JobRegistry()
        registry.register(className: "Doomed") { _, _ in throw Boom() }
        registry.register(className: "Survivor") { _, _ in throw Boom() }
        let producer = Producer(backend: backend)
        let doomed = try await producer.push(className: "Doomed", retry: .limit(0))
        try await producer.push(className: "Survivor", retry: .limit(3))
        try await producer.push(className: "Doomed", retry: .never)
        let worker = Worker(backend: backend, registry: registry, configuration: configuration { job, error in
            deaths.withLock { $0.append((job.jid, "\(error)")) }
        })
        try await worker.runUntilIdle()
        let recorded = deaths.withLock { $0 }
        #expect(recorded.count == 1 && recorded.first?.0 == doomed && recorded.first?.1 == "boom")
        #expect(backend.statisticsSnapshot.dead == 1 && backend.statisticsSnapshot.retries == 1)
    }

    @Test("quiet() stops fetching, lets running jobs finish, keeps the worker up; stop() then ends it")
    func quiet() async throws {
        let backend = InMemoryBackend()
        let release = Locked(false)
        let ran = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Gate") { _, context in
            ran.record(context.jid)
            while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }
        let producer = Producer(backend: backend)
        try await producer.push(className: "Gate")
        let worker = Worker(backend: backend, registry: registry, configuration: configuration())
        let run = Task { try await worker.run() }
        try await waitUntil { ran.all.count == 1 }
        worker.quiet()
        worker.quiet()
        try await producer.push(className: "Gate")
        release.withLock { $0 = true }
        try await waitUntil { backend.statisticsSnapshot.processed == 1 }
        try await waitUntil { backend.statisticsSnapshot.processes == 1 }
        #expect(worker.isQuiet && ran.all.count == 1 && backend.statisticsSnapshot.enqueued == 1, "a quiet worker fetched a new job")
        worker.stop()
        try await run.value
        #expect(backend.statisticsSnapshot.enqueued == 1 && backend.statisticsSnapshot.processes == 0)
    }

    @Test("quiet in a backlog of fast jobs: every job ran once or waits in its queue, none is left in the private list")
    func quietInBacklog() async throws {
        let backend = InMemoryBackend()
        let ran = Recorder()
        var registry = JobRegistry()
        // Fast jobs make the consumer fetch ahead of the free slots; those must go back on quiet.
        // Kept small: it runs beside timing-sensitive tests on a 2-core machine.
        registry.register(className: "Quick") { _, context in
            ran.record(context.jid)
            await Task.yield()
        }
        let total = 8_000
        try await Producer(backend: backend).pushBulk((0..<total).map { _ in Job(className: "Quick") })
        // Whether jobs wait fetched ahead at the moment of the quiet depends on timing: five workers
        // in turn, each quieted in the backlog, make it all but certain that some do.
        for round in 1...5 {
            let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(
                concurrency: 4, heartbeatInterval: .milliseconds(20), scheduledPollInterval: .milliseconds(20)))
            let run = Task { try await worker.run() }
            try await waitUntil { ran.all.count >= round * 1_200 }
            worker.quiet()
            try await waitUntil { backend.statisticsSnapshot.inProgress == 0 }
            let statistics = backend.statisticsSnapshot
            #expect(statistics.processed == ran.all.count)
            #expect(Set(ran.all).count == ran.all.count, "a job ran twice")
            #expect(statistics.processed + statistics.enqueued == total, "a job was lost")
            worker.stop()
            try await run.value
        }
    }

    @Test("TSTP and TERM sent through the signals list quiet and then stop the worker")
    func signals() async throws {
        let backend = InMemoryBackend()
        let worker = Worker(backend: backend, registry: JobRegistry(), configuration: configuration())
        let run = Task { try await worker.run() }
        try await waitUntil { backend.statisticsSnapshot.processes == 1 }
        try await backend.send(.quiet, to: worker.identity)
        try await waitUntil { worker.isQuiet }
        try await backend.send(.stop, to: worker.identity)
        try await run.value
        #expect(backend.statisticsSnapshot.processes == 0)
    }

    @Test("scheduled jobs and due retries run once the poller promotes them")
    func poller() async throws {
        let backend = InMemoryBackend()
        let ran = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Later") { _, context in ran.record(context.jid) }
        let producer = Producer(backend: backend)
        let jid = try await producer.push(Reminder(userID: 1), in: .seconds(3600))
        let soon = Job(className: "Later")
        try await producer.push(soon, in: .milliseconds(200))
        #expect(backend.statisticsSnapshot.scheduled == 2 && backend.jobs(in: .schedule).allSatisfy { $0.job.enqueuedAt == nil })
        let worker = Worker(backend: backend, registry: registry, configuration: configuration())
        let run = Task { try await worker.run() }
        try await waitUntil { ran.all == [soon.jid] }
        worker.stop()
        try await run.value
        #expect(backend.jobs(in: .schedule).map(\.job.jid) == [jid])
    }

    @Test("the poll interval scales with live processes, ±50 % below ten of them", arguments: [
        (1, 0.0, 0.5), (1, 0.999, 1.499), (4, 0.5, 4.0), (10, 0.0, 0.0), (100, 0.5, 50.0),
    ])
    func pollInterval(processes: Int, unitRandom: Double, expected: Double) {
        let interval = ScheduledPollInterval.random(processCount: processes, average: 1, unitRandom: unitRandom)
        #expect(abs(interval - expected) < 1e-9)
    }
}
