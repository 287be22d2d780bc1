/// The span attribute names ``TracingMiddleware`` sets, spelled once. Names under `messaging.` and
/// `error.` are OpenTelemetry's semantic conventions; `conveyor.` ones are Conveyor's own.
enum TraceAttribute {
    /// The messaging system, ``system``.
    static let messagingSystem = "messaging.system"
    /// `send` for a push, `process` for a run (the convention's operation types).
    static let operationType = "messaging.operation.type"
    /// The system's own name for the operation: `publish` (as Ruby's Sidekiq instrumentation calls a
    /// push) or `process`.
    static let operationName = "messaging.operation.name"
    /// The queue.
    static let destinationName = "messaging.destination.name"
    /// The jid.
    static let messageID = "messaging.message.id"
    /// The worker process's identity (`hostname:pid:hex`), on runs.
    static let clientID = "messaging.client.id"
    /// The failure's type name, on a failed run.
    static let errorType = "error.type"
    /// The job's `class`.
    static let jobClass = "conveyor.job.class"
    /// The failed runs before this one: 0 on the first run, 1 on the first retry (Sidekiq's
    /// `retry_count` plus one, since that field is 0 after the first failure).
    static let retryCount = "conveyor.job.retry_count"

    /// `sidekiq`, not `conveyor`: the queues, payloads and keys are Sidekiq's, and Ruby's Sidekiq
    /// instrumentation uses the same value, so Ruby and Swift spans of one queue are found together.
    static let system = "sidekiq"
}
