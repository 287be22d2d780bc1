extension WorkerConfiguration {
    /// The rate limit this configuration sets for a job class, if any. Most workers set none, and
    /// then no class name is hashed: the worker asks for every job it runs.
    func rateLimit(for className: String) -> RateLimit? {
        rateLimits.isEmpty ? nil : rateLimits[className]
    }

    /// The concurrency limit this configuration sets for a job class, if any (see ``rateLimit(for:)``).
    func concurrencyLimit(for className: String) -> ConcurrencyLimit? {
        concurrencyLimits.isEmpty ? nil : concurrencyLimits[className]
    }
}
