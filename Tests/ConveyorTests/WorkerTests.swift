import Conveyor
import ConveyorSupport
import Foundation
import Testing

/// Collects what handlers saw, from any thread.
final class Recorder: Sendable {
    let jids = Locked<[String]>([])
    let threadNames = Locked<Set<String>>([])
    let running = Locked((now: 0, peak: 0))

    func record(_ jid: String) { jids.withLock { $0.append(jid) } }
    var all: [String] { jids.withLock { $0 } }

    func enter() { running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
    func leave() { running.withLock { $0.now -= 1 } }
    var peak: Int { running.withLock { $0.peak } }
}

func currentThreadName() -> String {
    (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
}

@Suite("Worker on the in-memory backend")
struct WorkerTests {
    func makeWorker(_ backend: InMemoryBackend, _ registry: JobRegistry, concurrency: Int = 10, queues: [String] = ["default"], shutdownTimeout: Duration = .seconds(25)) -> Worker {
        Worker(backend: backend, registry: registry, configuration: try! WorkerConfiguration(  // valid settings in every caller
            queues: QueueSelection(strict: queues), concurrency: concurrency, shutdownTimeout: shutdownTimeout
        ))
    }

    @Test("every pushed job runs exactly once and is counted")
    func runsEveryJobOnce() async throws {
        let backend = InMemoryBackend()
        let recorder = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Record") { _, context in recorder.record(context.jid) }
        let jobs = (0..<500).map { _ in Job(className: "Record") }
        try await Producer(backend: backend).pushBulk(jobs)
        try await makeWorker(backend, registry).runUntilIdle()
        #expect(recorder.all.sorted() == jobs.map(\.jid).sorted())
        let statistics = backend.statisticsSnapshot
        #expect(statistics.processed == 500 && statistics.failed == 0)
        #expect(statistics.enqueued == 0 && statistics.inProgress == 0)
    }

    @Test("handlers run on the loop thread and resume there after awaiting")
    func handlersRunOnLoopThread() async throws {
        let backend = InMemoryBackend()
        let recorder = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Sleepy") { _, _ in
            recorder.threadNames.withLock { _ = $0.insert(currentThreadName()) }
            try await Task.sleep(for: .milliseconds(5))
            recorder.threadNames.withLock { _ = $0.insert(currentThreadName()) }
        }
        try await Producer(backend: backend).pushBulk((0..<20).map { _ in Job(className: "Sleepy") })
        try await makeWorker(backend, registry).runUntilIdle()
        #expect(recorder.threadNames.withLock { $0 } == ["conveyor-loop"])
    }

    @Test("never more jobs run at once than the concurrency")
    func concurrencyLimit() async throws {
        let backend = InMemoryBackend()
        let recorder = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Slow") { _, _ in
            recorder.enter()
            try await Task.sleep(for: .milliseconds(10))
            recorder.leave()
        }
        try await Producer(backend: backend).pushBulk((0..<40).map { _ in Job(className: "Slow") })
        try await makeWorker(backend, registry, concurrency: 4).runUntilIdle()
        #expect(recorder.peak == 4)
        #expect(backend.statisticsSnapshot.processed == 40)
    }

    @Test("a failing job goes to the retry set with Sidekiq's error fields")
    func failureGoesToRetry() async throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "the disk is full" } }
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(className: "Broken") { _, _ in throw Boom() }
        try await Producer(backend: backend).push(className: "Broken", args: [1])
        try await makeWorker(backend, registry).runUntilIdle()
        let retries = backend.jobs(in: .retry)
        #expect(retries.count == 1)
        let job = try #require(retries.first?.job)
        #expect(job.fields["error_message"] == "the disk is full")
        #expect(job.fields["error_class"] == "Boom")
        #expect(job.retryCount == 0)
        let statistics = backend.statisticsSnapshot
        #expect(statistics.processed == 1 && statistics.failed == 1 && statistics.inProgress == 0)
    }

    @Test("a job with an unknown class is set aside in the retry set, and the worker goes on")
    func unknownClass() async throws {
        let backend = InMemoryBackend()
        let recorder = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Known") { _, context in recorder.record(context.jid) }
        let producer = Producer(backend: backend)
        try await producer.push(className: "Mystery")
        let known = try await producer.push(className: "Known")
        try await makeWorker(backend, registry).runUntilIdle()
        #expect(recorder.all == [known])
        let set = backend.jobs(in: .retry)
        #expect(set.map(\.job.className) == ["Mystery"])
        #expect(set.first?.job.fields["error_message"]?.stringValue?.contains("No handler is registered for job class 'Mystery'") == true)
    }

    @Test("a payload that is not a job goes to the dead set with the reason")
    func malformedPayload() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        registry.register(className: "Noop") { _, _ in }
        try await backend.push([
            EncodedJob(queue: "default", payload: Array("not json at all".utf8)),
            EncodedJob(queue: "default", payload: Array(#"{"class":"Noop","args":"oops","jid":"abc"}"#.utf8)),
            EncodedJob(Job(className: "Noop")),
        ])
        try await makeWorker(backend, registry).runUntilIdle()
        let dead = backend.payloads(in: .dead).map { String(decoding: $0, as: UTF8.self) }
        #expect(dead.count == 2)
        #expect(dead.contains("not json at all"))
        #expect(dead.contains { $0.contains(#"\"args\" field must be an array"#) })
        #expect(backend.statisticsSnapshot.processed == 3)
    }

    @Test("typed handlers receive decoded parameters")
    func typedHandler() async throws {
        let backend = InMemoryBackend()
        let received = Locked<[SendWelcomeEmail]>([])
        var registry = JobRegistry()
        registry.register(SendWelcomeEmail.self) { parameters, _ in received.withLock { $0.append(parameters) } }
        try await Producer(backend: backend).push(SendWelcomeEmail(userID: 7, address: "g@h.i"))
        try await makeWorker(backend, registry, queues: ["mailers"]).runUntilIdle()
        #expect(received.withLock { $0 } == [SendWelcomeEmail(userID: 7, address: "g@h.i")])
    }

    @Test("strict queue order drains the first queue before the next")
    func strictOrder() async throws {
        let backend = InMemoryBackend()
        let recorder = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Tag") { args, _ in recorder.record(args[0].stringValue ?? "") }
        let producer = Producer(backend: backend)
        for _ in 0..<5 { try await producer.push(className: "Tag", args: ["low"], queue: "low") }
        for _ in 0..<5 { try await producer.push(className: "Tag", args: ["critical"], queue: "critical") }
        try await makeWorker(backend, registry, concurrency: 1, queues: ["critical", "low"]).runUntilIdle()
        #expect(recorder.all == Array(repeating: "critical", count: 5) + Array(repeating: "low", count: 5))
    }

    @Test("stop() waits up to the timeout, then cancels running jobs and requeues them")
    func shutdownRequeuesUnfinished() async throws {
        let backend = InMemoryBackend()
        let started = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Forever") { _, context in
            started.record(context.jid)
            try await Task.sleep(for: .seconds(60))
        }
        let jobs = (0..<3).map { _ in Job(className: "Forever") }
        try await Producer(backend: backend).pushBulk(jobs)
        let worker = makeWorker(backend, registry, shutdownTimeout: .milliseconds(200))
        let run = Task { try await worker.run() }
        try await waitUntil { started.all.count == 3 }
        worker.stop()
        worker.stop()
        try await run.value
        let statistics = backend.statisticsSnapshot
        #expect(statistics.enqueued == 3 && statistics.inProgress == 0)
        #expect(statistics.processed == 0 && statistics.failed == 0 && statistics.retries == 0)
        #expect(Set(backend.jobs(inQueue: "default").map(\.jid)) == Set(jobs.map(\.jid)))
    }

    @Test("jobs that finish within the timeout are acknowledged, not requeued")
    func shutdownWaitsForRunningJobs() async throws {
        let backend = InMemoryBackend()
        let started = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Short") { _, context in
            started.record(context.jid)
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Producer(backend: backend).pushBulk((0..<2).map { _ in Job(className: "Short") })
        let worker = makeWorker(backend, registry, shutdownTimeout: .seconds(10))
        let run = Task { try await worker.run() }
        try await waitUntil { started.all.count == 2 }
        worker.stop()
        try await run.value
        let statistics = backend.statisticsSnapshot
        #expect(statistics.processed == 2 && statistics.enqueued == 0 && statistics.inProgress == 0)
    }

    @Test("cancelling the task running the worker shuts it down")
    func cancellation() async throws {
        let backend = InMemoryBackend()
        let worker = makeWorker(backend, JobRegistry())
        let run = Task { try await worker.run() }
        try await waitUntil { backend.statisticsSnapshot.processes == 1 }
        run.cancel()
        try await run.value
        #expect(backend.statisticsSnapshot.processes == 0)
    }

    @Test("a worker recovers the in-progress jobs of a worker whose heartbeat expired")
    func recoversDeadWorkersJobs() async throws {
        let backend = InMemoryBackend()
        let recorder = Recorder()
        var registry = JobRegistry()
        registry.register(className: "Record") { _, context in recorder.record(context.jid) }
        let jobs = (0..<5).map { _ in Job(className: "Record") }
        try await Producer(backend: backend).pushBulk(jobs)
        // A worker that fetched and died: its jobs sit in its private list, its heartbeat is gone.
        _ = try await fetchInMemory(backend, owner: "crashed:1:abc", maximum: 5)
        #expect(backend.statisticsSnapshot.inProgress == 5)
        try await makeWorker(backend, registry).runUntilIdle()
        #expect(recorder.all.sorted() == jobs.map(\.jid).sorted())
        #expect(backend.statisticsSnapshot.inProgress == 0)
    }
}

/// Polls `condition` every few milliseconds for up to `timeout` seconds.
func waitUntil(timeout: Double = 10, _ condition: @Sendable () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        guard Date() < deadline else { throw TimeoutError() }
        try await Task.sleep(for: .milliseconds(5))
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var description: String { "The condition did not hold within the timeout." }
}

import ConveyorTestKit

func fetchInMemory(_ backend: InMemoryBackend, owner: String, maximum: Int) async throws -> [FetchedJob] {
    try await fetchOnThread(backend, owner: owner, queues: ["default"], maximum: maximum, timeout: 0.1)
}
