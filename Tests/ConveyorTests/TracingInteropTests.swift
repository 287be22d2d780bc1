import Conveyor
import ConveyorSupport
import InMemoryTracing
import Testing
import Tracing

/// The payload as Sidekiq and OpenTelemetry's Ruby instrumentation see it, with a tracer that
/// propagates W3C `traceparent` as OpenTelemetry tracers do by default.
@Suite("Tracing: the payload across languages")
struct TracingInteropTests {
    @Test("a traced push is still a Sidekiq job: traceparent is a top-level string and survives a read and rewrite")
    func tracedPayloadIsASidekiqJob() async throws {
        let tracer = W3CTestTracer()
        let backend = InMemoryBackend()
        try await Producer(backend: backend, middleware: [TracingMiddleware(tracer: tracer)]).push(className: "HardJob", args: [1, "x"])
        let push = try #require(tracer.spans.finishedSpans.first)
        let job = try #require(backend.jobs(inQueue: "default").first)
        #expect(job.fields[JobField.traceparent] == .string("00-\(push.traceID)-\(push.spanID)-01"))
        #expect(job.fields.map(\.key) == ["retry", "queue", "class", "args", "jid", "created_at", "traceparent", "enqueued_at"])

        let bytes = job.serialized()
        let reread = try Job(json: bytes)
        #expect(reread.serialized() == bytes)
        #expect(reread.fields[JobField.traceparent] == job.fields[JobField.traceparent])
    }

    @Test("a job pushed by a Ruby app with OpenTelemetry runs as a child of the Ruby push span")
    func rubyTraceContinues() async throws {
        let tracer = W3CTestTracer()
        let backend = InMemoryBackend()
        // As Sidekiq 6.4 with opentelemetry-instrumentation-sidekiq writes it.
        let ruby = #"{"retry":true,"queue":"default","class":"HardJob","args":[1,"x"],"jid":"b4a577edbccf1d805744efa9","created_at":1700000000.123456,"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"rojo=00f067aa0ba902b7","enqueued_at":1700000000.124}"#
        try await backend.push([EncodedJob(queue: "default", payload: Array(ruby.utf8))])
        var registry = JobRegistry()
        registry.register(className: "HardJob") { _, _ in }
        try await Worker(backend: backend, registry: registry, configuration: WorkerConfiguration(middleware: [TracingMiddleware(tracer: tracer)])).runUntilIdle()

        let run = try #require(tracer.spans.finishedSpans.first)
        #expect(run.operationName == "default process")
        #expect(run.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && run.parentSpanID == "00f067aa0ba902b7")
        #expect(backend.statisticsSnapshot.processed == 1)
    }

    @Test("a malformed traceparent is ignored: the job runs under a new root span", arguments: [
        #""junk""#, #""""#, #"42"#, #"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#,
        #""00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7""#,  // no flags
        #""00-00000000000000000000000000000000-00f067aa0ba902b7-01""#,  // the invalid all-zero trace ID
        #""00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01""#,  // upper case
    ])
    func malformedTraceparent(value: String) async throws {
        let tracer = W3CTestTracer()
        let backend = InMemoryBackend()
        let payload = #"{"class":"HardJob","args":[],"jid":"b4a577edbccf1d805744efa9","queue":"default","traceparent":\#(value)}"#
        try await backend.push([EncodedJob(queue: "default", payload: Array(payload.utf8))])
        let ran = Locked(false)
        var registry = JobRegistry()
        registry.register(className: "HardJob") { _, _ in ran.withLock { $0 = true } }
        try await Worker(backend: backend, registry: registry, configuration: WorkerConfiguration(middleware: [TracingMiddleware(tracer: tracer)])).runUntilIdle()

        #expect(ran.withLock { $0 })
        let run = try #require(tracer.spans.finishedSpans.first)
        #expect(run.parentSpanID == nil && run.status == nil)
    }
}
