import Tracing

extension TracingMiddleware {
    /// Runs the rest of the chain and the handler inside a `"<queue> process"` span, the child of the
    /// push span whose context the job carries, or a new root when it carries none.
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
        var parent = ServiceContext.topLevel
        tracer.extract(context.job.fields, into: &parent, using: JobFieldsExtractor())
        let job = context.job
        let span = tracer.startSpan("\(job.queue) process", context: parent, ofKind: .consumer)
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
