import Tracing

extension TracingMiddleware {
    /// Runs the rest of the chain and the handler inside a `"<queue> process"` span: on the first run
    /// the child of the push span whose context the job carries, on a retry a new root linked to it,
    /// and a new root when the job carries no context.
    public func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws {
        guard let tracer else {
            try await next(context)
            return
        }
        try await run(context, tracer: tracer, next: next)
    }

    /// The traced run, generic so that the tracer's own span type is used without boxing.
    private func run(_ context: JobContext, tracer: some Tracer, next: (JobContext) async throws -> Void) async throws {
        // From the top level, not from `ServiceContext.current`: a run is a unit of work of its own, and
        // a worker started inside some span (an app's start-up) must not make every job its child.
        var pushContext = ServiceContext.topLevel
        tracer.extract(context.job.fields, into: &pushContext, using: JobFieldsExtractor())
        let job = context.job
        // The first run is the push span's child. A retry starts a trace of its own linked to the push,
        // so a job retried for days does not stretch the pushing request's trace over those days (what
        // BullMQ users reported); the link still leads from every retry back to the push.
        let isRetry = context.previousFailures > 0
        let span = tracer.startSpan("\(job.queue) process", context: isRetry ? .topLevel : pushContext, ofKind: .consumer)
        if isRetry { span.addLink(SpanLink(context: pushContext, attributes: [:])) }
        defer { span.end() }
        if span.isRecording {
            span.updateAttributes { attributes in
                attributes[TraceAttribute.messagingSystem] = TraceAttribute.system
                attributes[TraceAttribute.operationType] = "process"
                attributes[TraceAttribute.operationName] = "process"
                attributes[TraceAttribute.destinationName] = job.queue
                attributes[TraceAttribute.messageID] = job.jid
                attributes[TraceAttribute.clientID] = context.workerIdentity
                attributes[TraceAttribute.jobClass] = job.className
                attributes[TraceAttribute.retryCount] = context.previousFailures
            }
        }
        do {
            try await ServiceContext.withValue(span.context) {
                try await next(context)
            }
        } catch {
            span.recordFailure(error)
            throw error
        }
    }
}
