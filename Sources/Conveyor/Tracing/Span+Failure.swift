import Tracing

extension Span {
    /// Marks the span failed by `error`: recorded as an event, the status set to error with the
    /// error's description (what a trace viewer shows first), and `error.type` set to its type name,
    /// which is what Conveyor writes as a failed job's `error_class`.
    func recordFailure(_ error: any Error) {
        recordError(error)
        setStatus(SpanStatus(code: .error, message: String(describing: error)))
        attributes[TraceAttribute.errorType] = String(describing: type(of: error))
    }
}
