/// At most `limit` jobs of one kind running at once across every worker. Each running job holds a
/// slot under a lease that its worker's heartbeat renews, so the slot of a job whose worker crashed
/// frees itself when the lease runs out. A job over the limit goes back to the schedule set for a
/// short, growing delay (see ``JobLimits/backoff(attempt:)``); it never spins.
public struct ConcurrencyLimit: Sendable, Equatable {
    /// The limit's key; jobs of several classes sharing a key share its slots. Default: the class.
    public var key: String?
    /// How many may run at once, at least 1.
    public var limit: Int

    /// Creates a limit.
    public init(_ limit: Int, key: String? = nil) {
        self.limit = max(1, limit)
        self.key = key
    }
}

/// At most `limit` runs per window (a second, a minute, an hour) for a key, counted in fixed windows of
/// Redis's clock. A job over the limit goes back to the schedule set until the window ends.
public struct RateLimit: Sendable, Equatable {
    /// The limit's key. Default: the class.
    public var key: String?
    /// How many runs each window allows, at least 1.
    public var limit: Int
    /// The window's length, at least a second.
    public var window: Duration

    /// Creates a limit.
    public init(_ limit: Int, per window: Duration, key: String? = nil) {
        self.limit = max(1, limit)
        self.window = max(window, .seconds(1))
        self.key = key
    }
}

/// Helpers shared by the limiters.
public enum JobLimits {
    /// The payload field counting how often a job was sent back by a limiter, which grows its delay.
    public static let limitedCountField = "limited_count"

    /// The delay before a job over a concurrency limit is tried again: 0.5 s doubling per attempt up
    /// to 30 s, with up to 50 % random added so that waiting jobs do not return in step.
    public static func backoff(attempt: Int) -> Double {
        let base = min(30, 0.5 * Double(1 << min(attempt, 10)))
        return base * Double.random(in: 1...1.5)
    }
}
