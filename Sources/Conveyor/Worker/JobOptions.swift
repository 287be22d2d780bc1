/// How a worker treats one job class beyond running its handler: its own retry delays and timeout.
/// A typed job's options come from its ``JobParameters`` type.
public struct JobOptions: Sendable {
    /// Seconds before the next retry for a `retry_count`; `nil` (or a `nil` answer) means Sidekiq's formula.
    public var retryDelay: (@Sendable (_ retryCount: Int) -> Double?)?
    /// How long one run may take before it is cancelled and counted as a failure; `nil` for no limit.
    public var timeout: Duration?
    /// At most this many of these jobs run at once across all workers (see ``ConcurrencyLimit``).
    public var concurrencyLimit: ConcurrencyLimit?
    /// At most this many runs of these jobs per window across all workers (see ``RateLimit``).
    public var rateLimit: RateLimit?

    /// Creates options; the defaults are Sidekiq's delays and no timeout.
    public init(retryDelay: (@Sendable (_ retryCount: Int) -> Double?)? = nil, timeout: Duration? = nil) {
        self.retryDelay = retryDelay
        self.timeout = timeout
    }

    /// The options a typed job declares.
    public init<Parameters: JobParameters>(_ type: Parameters.Type) {
        self.init(retryDelay: { Parameters.retryDelay(forRetryCount: $0) }, timeout: Parameters.timeout)
    }
}
