import Conveyor
import ConveyorSupport
import InMemoryTracing
import Testing
import Tracing

/// A failure the tests raise on purpose.
private struct FlakyError: Error, CustomStringConvertible {
    var description: String { "the mail server said no" }
}

/// Each test passes its own `InMemoryTracer` to the middleware: `InstrumentationSystem` can be
/// bootstrapped once per process, and the suites run in parallel.
@Suite("Tracing middleware")
struct TracingTests {
    private func runWorker(_ backend: InMemoryBackend, _ registry: JobRegistry, _ tracing: TracingMiddleware, queue: String = Job.defaultQueue) async throws {
        let configuration = try WorkerConfiguration(queues: QueueSelection(strict: [queue]), middleware: [tracing])
        try await Worker(backend: backend, registry: registry, configuration: configuration).runUntilIdle()
    }

    private func span(named name: String, in tracer: InMemoryTracer) throws -> FinishedInMemorySpan {
        let spans = tracer.finishedSpans.filter { $0.operationName == name }
        try #require(spans.count == 1, "expected one span named \(name), found \(tracer.finishedSpans.map(\.operationName))")
        return spans[0]
    }

    @Test("a run continues the push's trace: caller's span > push span > run span > the handler's own span")
    func pushThenRun() async throws {
        let tracer = InMemoryTracer()
        let tracing = TracingMiddleware(tracer: tracer)
        let backend = InMemoryBackend()
        let jid = try await tracer.withSpan("POST /checkout") { _ in
            try await Producer(backend: backend, middleware: [tracing]).push(className: "SendReceipt", args: [42], queue: "mail")
        }
        let contextInHandler = Locked<InMemorySpanContext?>(nil)
        var registry = JobRegistry()
        registry.register(className: "SendReceipt") { _, _ in
            contextInHandler.withLock { $0 = ServiceContext.current?.inMemorySpanContext }
            tracer.withSpan("render receipt") { _ in }
        }
        try await runWorker(backend, registry, tracing, queue: "mail")

        let request = try span(named: "POST /checkout", in: tracer)
        let push = try span(named: "mail publish", in: tracer)
        let run = try span(named: "mail process", in: tracer)
        let render = try span(named: "render receipt", in: tracer)
        #expect(push.kind == .producer && run.kind == .consumer)
        #expect(push.traceID == request.traceID && push.parentSpanID == request.spanID)
        #expect(run.traceID == push.traceID && run.parentSpanID == push.spanID)
        #expect(render.traceID == run.traceID && render.parentSpanID == run.spanID)
        #expect(contextInHandler.withLock { $0?.spanID } == run.spanID)
        #expect(push.status == nil && run.status == nil && run.errors.isEmpty)

        #expect(push.attributes.get("messaging.system") == .string("sidekiq"))
        #expect(push.attributes.get("messaging.operation.type") == .string("send"))
        #expect(push.attributes.get("messaging.operation.name") == .string("publish"))
        #expect(push.attributes.get("messaging.destination.name") == .string("mail"))
        #expect(push.attributes.get("messaging.message.id") == .string(jid))
        #expect(push.attributes.get("conveyor.job.class") == .string("SendReceipt"))
        #expect(run.attributes.get("messaging.system") == .string("sidekiq"))
        #expect(run.attributes.get("messaging.operation.type") == .string("process"))
        #expect(run.attributes.get("messaging.operation.name") == .string("process"))
        #expect(run.attributes.get("messaging.destination.name") == .string("mail"))
        #expect(run.attributes.get("messaging.message.id") == .string(jid))
        #expect(run.attributes.get("conveyor.job.class") == .string("SendReceipt"))
        #expect(run.attributes.get("conveyor.job.retry_count") == .int64(0))
        #expect(run.attributes.get("messaging.client.id").map { "\($0)".contains(":") } == true)
        #expect(run.attributes.get("error.type") == nil)
    }

    @Test("a job that fails once and then succeeds: the first run is the push span's child and has the error, the retry is a new trace linked to the push")
    func retriesStayInTheTrace() async throws {
        let tracer = InMemoryTracer()
        let tracing = TracingMiddleware(tracer: tracer)
        let backend = InMemoryBackend()
        let jid = try await Producer(backend: backend, middleware: [tracing]).push(className: "Flaky")
        let attempts = Locked(0)
        var registry = JobRegistry()
        registry.register(className: "Flaky") { _, _ in
            if attempts.withLock({ $0 += 1; return $0 }) == 1 { throw FlakyError() }
        }
        try await runWorker(backend, registry, tracing)

        // The retry path rewrites the payload; the trace fields must come through it unchanged.
        let pushed = try #require(tracer.performedContextInjections.first?.values)
        let retried = try #require(backend.jobs(in: .retry).first?.job)
        #expect(retried.retryCount == 0)
        for (key, value) in pushed { #expect(retried.fields[key] == .string(value)) }

        _ = try await backend.enqueueNow(id: jid, from: .retry)
        try await runWorker(backend, registry, tracing)
        #expect(attempts.withLock { $0 } == 2)
        #expect(backend.jobs(in: .retry).isEmpty && backend.jobs(in: .dead).isEmpty)

        let push = try span(named: "default publish", in: tracer)
        let runs = tracer.finishedSpans.filter { $0.operationName == "default process" }
        try #require(runs.count == 2)
        let (failed, succeeded) = (runs[0], runs[1])
        #expect(failed.traceID == push.traceID && failed.parentSpanID == push.spanID, "the first run is the push's child")
        #expect(succeeded.traceID != push.traceID && succeeded.parentSpanID == nil, "a retry starts a trace of its own")
        let link = try #require(succeeded.links.first?.context.inMemorySpanContext)
        #expect(succeeded.links.count == 1 && link.traceID == push.traceID && link.spanID == push.spanID, "…linked to the push")
        #expect(failed.status == SpanStatus(code: .error, message: "the mail server said no"))
        #expect(failed.errors.count == 1 && failed.errors.first?.error is FlakyError)
        #expect(failed.attributes.get("error.type") == .string("FlakyError"))
        #expect(failed.attributes.get("conveyor.job.retry_count") == .int64(0))
        #expect(succeeded.status == nil && succeeded.errors.isEmpty)
        #expect(succeeded.attributes.get("conveyor.job.retry_count") == .int64(1))
    }

    @Test("a job without trace fields, or with fields that are not strings, runs under a new root span")
    func untracedJobsGetRootSpans() async throws {
        let tracer = InMemoryTracer()
        let backend = InMemoryBackend()
        var broken = Job(className: "Work")
        broken.fields[InMemoryTracer.traceIDKey] = 42
        broken.fields[InMemoryTracer.spanIDKey] = .object(["id": "span-1"])
        var half = Job(className: "Work")
        half.fields[InMemoryTracer.traceIDKey] = "trace-1"  // and no span ID
        var unrelated = Job(className: "Work")
        unrelated.fields[JobField.traceparent] = "junk"
        unrelated.fields[JobField.tracestate] = .array(["a=b"])
        // Pushed without the middleware: the fields reach the worker as written.
        try await Producer(backend: backend).pushBulk([Job(className: "Work"), broken, half, unrelated])
        let ran = Locked(0)
        var registry = JobRegistry()
        registry.register(className: "Work") { _, _ in ran.withLock { $0 += 1 } }
        try await runWorker(backend, registry, TracingMiddleware(tracer: tracer))

        #expect(ran.withLock { $0 } == 4)
        #expect(backend.jobs(in: .retry).isEmpty && backend.jobs(in: .dead).isEmpty)
        let runs = tracer.finishedSpans.filter { $0.operationName == "default process" }
        #expect(runs.count == 4)
        #expect(runs.allSatisfy { $0.parentSpanID == nil && $0.status == nil })
        #expect(Set(runs.map(\.traceID)).count == 4)
    }

    @Test("with no tracer the middleware only passes jobs on: the payload gets no field, the job runs")
    func noTracer() async throws {
        // Nothing in this test process bootstraps InstrumentationSystem, so `TracingMiddleware()` sees
        // the no-op tracer.
        let backend = InMemoryBackend()
        let job = Job(className: "Work")
        try await Producer(backend: backend, middleware: [TracingMiddleware()]).push(job)
        let pushed = try #require(backend.jobs(inQueue: "default").first)
        #expect(pushed.fields.map(\.key) == job.fields.map(\.key) + [JobField.enqueuedAt])
        let ran = Locked(0)
        var registry = JobRegistry()
        registry.register(className: "Work") { _, _ in ran.withLock { $0 += 1 } }
        try await runWorker(backend, registry, TracingMiddleware())
        #expect(ran.withLock { $0 } == 1)
    }

    @Test("TracingMiddleware() looks the tracer up at each push: a withTracer scope around the push applies")
    func tracerLookedUpAtEachPush() async throws {
        let tracer = InMemoryTracer()
        let backend = InMemoryBackend()
        let producer = Producer(backend: backend, middleware: [TracingMiddleware()])
        try await withTracer(tracer) { try await producer.push(className: "Work") }
        try await producer.push(className: "Work")  // outside the scope: not traced
        #expect(tracer.finishedSpans.map(\.operationName) == ["default publish"])
        let jobs = backend.jobs(inQueue: "default")
        #expect(jobs.map { $0.fields[InMemoryTracer.spanIDKey] != nil } == [true, false])
    }

    @Test("a refused push ends its span with the refusal's error")
    func refusedPush() async throws {
        struct Refusing: PushMiddleware {
            func push(_ job: Job, next: (Job) async throws -> Void) async throws { throw FlakyError() }
        }
        let tracer = InMemoryTracer()
        let backend = InMemoryBackend()
        await #expect(throws: FlakyError.self) {
            try await Producer(backend: backend, middleware: [TracingMiddleware(tracer: tracer), Refusing()]).push(className: "Work")
        }
        let push = try span(named: "default publish", in: tracer)
        #expect(push.status?.code == .error && push.errors.count == 1)
        #expect(backend.jobs(inQueue: "default").isEmpty)
    }
}
