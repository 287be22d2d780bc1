import Tracing

extension TracingMiddleware {
    /// Runs the rest of the push chain inside a `"<queue> publish"` span and hands on the job with that
    /// span's context in its fields. The span ends when the chain returns, before the job is written:
    /// push middleware runs before the write, as Sidekiq's client middleware does.
    public func push(_ job: Job, next: (Job) async throws -> Void) async throws {
        guard let tracer else {
            try await next(job)
            return
        }
        try await push(job, tracer: tracer, next: next)
    }

    /// The traced push, generic so that the tracer's own span type is used without boxing.
    private func push(_ job: Job, tracer: some Tracer, next: (Job) async throws -> Void) async throws {
        let span = tracer.startSpan("\(job.queue) publish", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        defer { span.end() }
        if span.isRecording {
            span.updateAttributes { attributes in
                attributes[TraceAttribute.messagingSystem] = TraceAttribute.system
                attributes[TraceAttribute.operationType] = "send"
                attributes[TraceAttribute.operationName] = "publish"
                attributes[TraceAttribute.destinationName] = job.queue
                attributes[TraceAttribute.messageID] = job.jid
                attributes[TraceAttribute.jobClass] = job.className
            }
        }
        var traced = job
        // Injected even when the span is not recorded (sampled out): the propagator writes the sampling
        // decision too, so the run follows it instead of sampling again.
        tracer.inject(span.context, into: &traced.fields, using: JobFieldsInjector())
        do {
            try await ServiceContext.withValue(span.context) {
                try await next(traced)
            }
        } catch {
            span.recordFailure(error)
            throw error
        }
    }
}
