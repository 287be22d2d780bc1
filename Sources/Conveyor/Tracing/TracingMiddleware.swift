import Tracing

/// A span for every push and every run, with the trace carried inside the job, so that one trace goes
/// from the code that pushed a job to the worker that runs it, and every retry links back to it.
///
/// ```swift
/// let tracing = TracingMiddleware()
/// let producer = Producer(backend: backend, middleware: [tracing])
/// let configuration = try WorkerConfiguration(middleware: [tracing])  // a worker in your app
/// await WorkerMain.run(registry: .myJobs, middleware: [tracing])     // a worker executable
/// ```
///
/// A push starts a `.producer` span named `"<queue> publish"` under the caller's current span
/// (`ServiceContext.current`) and injects that span's context into the job as top-level string fields,
/// named by the tracer's propagator: `traceparent` and `tracestate` with the W3C propagator that
/// OpenTelemetry tracers use by default. Those are the fields OpenTelemetry's Ruby Sidekiq
/// instrumentation writes and reads, so traces cross between Ruby and Swift in both directions (a Ruby
/// run is linked to a Swift push by that instrumentation's default); Sidekiq without it passes them
/// through untouched, retries included.
///
/// A run extracts those fields and starts a `.consumer` span named `"<queue> process"`. The first run
/// is a *child* of the push span: each run processes one job, which is the case where OpenTelemetry's
/// messaging conventions allow a parent, so the pushing request's trace shows the job it caused. A
/// retry starts a new trace with a *link* to the push span: a job retried for hours or days (Sidekiq's
/// schedule spans 21 days) would otherwise stretch one trace over all of it, which BullMQ users reported
/// as traces that never end. A job without the fields, or with fields the tracer cannot read, runs
/// under a new root span. The handler runs inside the span (`ServiceContext.current` is its
/// context), so spans the handler starts are its children. A failed run (or a push a later middleware
/// refuses) records the error, sets the span's status to error and its `error.type` attribute to the
/// error's type name.
///
/// Attributes, following OpenTelemetry's messaging conventions where they have a name:
///
/// | attribute | push | run |
/// |---|---|---|
/// | `messaging.system` | `sidekiq` | `sidekiq` |
/// | `messaging.operation.type` | `send` | `process` |
/// | `messaging.operation.name` | `publish` | `process` |
/// | `messaging.destination.name` | the queue | the queue |
/// | `messaging.message.id` | the jid | the jid |
/// | `messaging.client.id` | | the worker's identity |
/// | `conveyor.job.class` | the job class | the job class |
/// | `conveyor.job.retry_count` | | 0 on the first run, *n* on the *n*-th retry (Sidekiq's `retry_count` + 1) |
/// | `error.type` | the error's type name, on failure | the same |
///
/// `messaging.system` is `sidekiq` rather than `conveyor`: the queues, the payload and the Redis layout
/// are Sidekiq's, and the same value as Ruby's instrumentation puts Swift and Ruby spans of one queue
/// side by side.
///
/// With no tracer (``init()`` while `InstrumentationSystem` is not bootstrapped) a push or a run costs
/// one look-up of the tracer and nothing more: no span, no field.
public struct TracingMiddleware: PushMiddleware, JobMiddleware {
    /// Where the tracer comes from, decided once at init.
    private enum TracerSource: Sendable {
        /// `InstrumentationSystem`'s, looked up at each push and run.
        case system
        /// The one given to ``init(tracer:)``.
        case fixed(any Tracer)
        /// A `NoOpTracer` was given: tracing is off for good.
        case off
    }

    private let source: TracerSource

    /// Traces with `InstrumentationSystem.tracer`, looked up at each push and run, so the middleware
    /// may be made before `InstrumentationSystem.bootstrap(_:)`, and a `withTracer(_:_:)` scope around a
    /// push applies to it.
    public init() {
        source = .system
    }

    /// Traces with `tracer` whatever the process bootstrapped: for tests (`InMemoryTracer`), which
    /// cannot bootstrap the process-wide system once per test, and for apps with a tracer of their own
    /// for jobs.
    public init(tracer: any Tracer) {
        source = tracer is NoOpTracer ? .off : .fixed(tracer)
    }

    /// The tracer for this push or run, or `nil` when tracing is off and the middleware should only
    /// call `next`.
    var tracer: (any Tracer)? {
        switch source {
        case .off:
            return nil
        case .fixed(let tracer):
            return tracer
        case .system:
            // Whether anything is bootstrapped is a check of one concrete type (with the read of the
            // instrument, about 0.1 µs a call); finding the tracer inside takes casts to protocol types,
            // about 0.4 µs more, a third of a bulk push's whole cost per job, so it is paid only when
            // there is something to find.
            if InstrumentationSystem.instrument is NoOpInstrument { return nil }
            let tracer = InstrumentationSystem.tracer
            return tracer is NoOpTracer ? nil : tracer
        }
    }
}
