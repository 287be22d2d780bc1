import Conveyor
import ConveyorSupport
import Testing

/// A middleware that writes what it sees into a shared log, named so the order shows.
private struct Tracer: PushMiddleware, JobMiddleware {
    let name: String
    let log: Locked<[String]>

    func push(_ job: Job, next: (Job) async throws -> Void) async throws {
        log.withLock { $0.append("\(name) push \(job.className)") }
        var job = job
        job.fields["seen_by_\(name)"] = true
        try await next(job)
        log.withLock { $0.append("\(name) pushed \(job.className)") }
    }

    func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws {
        log.withLock { $0.append("\(name) >") }
        do {
            try await next(context)
            log.withLock { $0.append("\(name) < ok") }
        } catch {
            log.withLock { $0.append("\(name) < \(error)") }
            throw error
        }
    }
}

private struct Refusal: Error, CustomStringConvertible {
    var description: String { "refused by policy" }
}

/// Refuses jobs of one class, skips jobs of another.
private struct Gatekeeper: PushMiddleware {
    func push(_ job: Job, next: (Job) async throws -> Void) async throws {
        if job.className == "Forbidden" { throw Refusal() }
        if job.className == "Skipped" { return }
        try await next(job)
    }
}

/// Turns every failure into a success.
private struct Forgiving: JobMiddleware {
    func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws {
        try? await next(context)
    }
}

/// Fails every job before its handler runs.
private struct Blocking: JobMiddleware {
    func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws {
        throw Refusal()
    }
}

@Suite("Push and run middleware")
struct MiddlewareTests {
    private func worker(_ backend: InMemoryBackend, _ registry: JobRegistry, _ middleware: [any JobMiddleware]) throws -> Worker {
        Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(middleware: middleware))
    }

    @Test("push middleware runs in the order registered, and what it adds is pushed")
    func pushOrder() async throws {
        let backend = InMemoryBackend()
        let log = Locked<[String]>([])
        let producer = Producer(backend: backend, middleware: [Tracer(name: "a", log: log), Tracer(name: "b", log: log)])
        try await producer.push(className: "Mail")
        #expect(log.withLock { $0 } == ["a push Mail", "b push Mail", "b pushed Mail", "a pushed Mail"])
        let pushed = try #require(backend.jobs(inQueue: "default").first)
        #expect(pushed.fields["seen_by_a"] == true && pushed.fields["seen_by_b"] == true)
    }

    @Test("a middleware that throws refuses the whole bulk push: nothing is written and the caller gets its error")
    func pushRefused() async throws {
        let backend = InMemoryBackend()
        let producer = Producer(backend: backend, middleware: [Gatekeeper()])
        await #expect(throws: Refusal.self) {
            try await producer.pushBulk([Job(className: "Fine"), Job(className: "Forbidden"), Job(className: "Fine")])
        }
        #expect(backend.jobs(inQueue: "default").isEmpty)
        await #expect(throws: Refusal.self) {
            try await producer.push(Job(className: "Forbidden"), in: .seconds(60))
        }
        #expect(backend.jobs(in: .schedule).isEmpty)
    }

    @Test("a middleware that does not call next skips that job only")
    func pushSkipped() async throws {
        let backend = InMemoryBackend()
        let producer = Producer(backend: backend, middleware: [Gatekeeper()])
        try await producer.pushBulk([Job(className: "Fine"), Job(className: "Skipped"), Job(className: "Fine")])
        #expect(backend.jobs(inQueue: "default").map(\.className) == ["Fine", "Fine"])
    }

    @Test("jobs are checked after the middleware: a middleware cannot push a job a worker could not read")
    func checkedAfterMiddleware() async throws {
        struct BadQueue: PushMiddleware {
            func push(_ job: Job, next: (Job) async throws -> Void) async throws {
                var job = job
                job.fields["queue"] = "a,b"
                try await next(job)
            }
        }
        let backend = InMemoryBackend()
        await #expect(throws: (any Error).self) {
            try await Producer(backend: backend, middleware: [BadQueue()]).push(className: "Mail")
        }
        #expect(backend.jobs(inQueue: "a,b").isEmpty && backend.jobs(inQueue: "default").isEmpty)
    }

    @Test("run middleware wraps the handler, the first registered outermost, and sees its error")
    func runOrderAndErrors() async throws {
        let backend = InMemoryBackend()
        let log = Locked<[String]>([])
        var registry = JobRegistry()
        registry.register(className: "Works") { _, _ in log.withLock { $0.append("handler") } }
        registry.register(className: "Breaks") { _, _ in throw Refusal() }
        try await Producer(backend: backend).push(className: "Works")
        try await worker(backend, registry, [Tracer(name: "a", log: log), Tracer(name: "b", log: log)]).runUntilIdle()
        #expect(log.withLock { $0 } == ["a >", "b >", "handler", "b < ok", "a < ok"])

        log.withLock { $0 = [] }
        try await Producer(backend: backend).push(className: "Breaks")
        try await worker(backend, registry, [Tracer(name: "a", log: log), Tracer(name: "b", log: log)]).runUntilIdle()
        #expect(log.withLock { $0 } == ["a >", "b >", "b < refused by policy", "a < refused by policy"])
        #expect(backend.jobs(in: .retry).map(\.job.className) == ["Breaks"])
    }

    @Test("a middleware decides the outcome: swallowing the error acknowledges the job, throwing fails it without running the handler")
    func middlewareDecides() async throws {
        let backend = InMemoryBackend()
        let ran = Locked(0)
        var registry = JobRegistry()
        registry.register(className: "Breaks") { _, _ in
            ran.withLock { $0 += 1 }
            throw Refusal()
        }
        try await Producer(backend: backend).push(className: "Breaks")
        try await worker(backend, registry, [Forgiving()]).runUntilIdle()
        #expect(backend.jobs(in: .retry).isEmpty)
        #expect(backend.statisticsSnapshot.failed == 0 && backend.statisticsSnapshot.processed == 1)

        try await Producer(backend: backend).push(className: "Breaks")
        try await worker(backend, registry, [Blocking()]).runUntilIdle()
        #expect(ran.withLock { $0 } == 1)
        let retried = try #require(backend.jobs(in: .retry).first?.job)
        #expect(retried.fields["error_message"] == "refused by policy")
    }
}
