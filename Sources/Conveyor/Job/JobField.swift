/// Sidekiq's job field names, spelled once, as `RedisKeys` spells the keys: every read or write of a
/// job's fields names them through here.
public enum JobField {
    /// Seconds a unique job's lock holds at most (`unique_for`, Sidekiq Enterprise's name).
    public static let uniqueFor = "unique_for"
    /// When a unique job's lock ends: `success` (the default) or `start`.
    public static let uniqueUntil = "unique_until"
    /// An explicit uniqueness key replacing class, queue and args.
    public static let uniqueKey = "unique_key"
    /// The unique lock's name, computed at push, so every script that ends the job can release it.
    public static let uniqueDigest = "unique_digest"
    /// The job class (`class`).
    public static let className = "class"
    /// The arguments array.
    public static let args = "args"
    /// The job's ID.
    public static let jid = "jid"
    /// The queue it runs on.
    public static let queue = "queue"
    /// `true`, `false` or a number of retries.
    public static let retry = "retry"
    /// When the job was created (epoch seconds).
    public static let createdAt = "created_at"
    /// When it was last pushed onto its queue.
    public static let enqueuedAt = "enqueued_at"
    /// The last failure's message.
    public static let errorMessage = "error_message"
    /// The last failure's error type.
    public static let errorClass = "error_class"
    /// When it first failed.
    public static let failedAt = "failed_at"
    /// When it was last retried.
    public static let retriedAt = "retried_at"
    /// Failures so far minus one (0 after the first).
    public static let retryCount = "retry_count"
    /// Sidekiq's option: the queue its retries run on.
    public static let retryQueue = "retry_queue"
    /// `false`: drop the job instead of sending it to the dead set when retries run out.
    public static let dead = "dead"
    /// Conveyor's: how often it was recovered from a crashed worker while running.
    public static let recoveryCount = "recovery_count"
    /// W3C trace context of the span that pushed the job (`00-<trace-id>-<span-id>-<flags>`), a string
    /// at the top level of the job, as OpenTelemetry's Ruby Sidekiq instrumentation writes it. The
    /// tracer's propagator chooses the names: ``TracingMiddleware`` writes whatever headers it injects
    /// (these two with the W3C propagator) and reads them back on each run.
    public static let traceparent = "traceparent"
    /// Vendor-specific trace state that goes with ``traceparent`` (absent when empty).
    public static let tracestate = "tracestate"
}
