/// Capped exponential backoff with jitter, the one used for every retry while Redis is away (the
/// client reconnecting, the worker fetching, acknowledging, promoting): quick to come back after a
/// blip, gentle on a server that is restarting, and spread out so many workers do not retry in
/// lockstep.
public struct RetryBackoff: Sendable {
    /// The first delay, in seconds.
    public var initialDelay: Double
    /// The largest delay, in seconds.
    public var maximumDelay: Double
    private var attempts = 0

    /// Creates a backoff starting at `initialDelay` seconds and doubling up to `maximumDelay`.
    public init(initialDelay: Double = 0.05, maximumDelay: Double = 2) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay before the next attempt; each call doubles the base, up to the cap.
    public mutating func nextDelay() -> Double {
        let base = min(maximumDelay, initialDelay * Double(1 << min(attempts, 20)))
        attempts += 1
        return base * Double.random(in: 0.75...1.0)
    }

    /// Whether the last attempt failed (the connection is in an outage).
    public var isBackingOff: Bool { attempts > 0 }

    /// Forgets past failures after a success.
    public mutating func reset() {
        attempts = 0
    }
}
