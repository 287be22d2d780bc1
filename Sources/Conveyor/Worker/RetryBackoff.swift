/// Capped exponential backoff for the worker's own retries of backend calls (fetch, acknowledge)
/// while Redis is away.
struct RetryBackoff {
    private var attempts = 0
    var initialDelay = 0.05
    var maximumDelay = 2.0

    var isBackingOff: Bool { attempts > 0 }

    mutating func nextDelay() -> Double {
        let base = min(maximumDelay, initialDelay * Double(1 << min(attempts, 20)))
        attempts += 1
        return base * Double.random(in: 0.75...1.0)
    }

    mutating func reset() { attempts = 0 }
}
