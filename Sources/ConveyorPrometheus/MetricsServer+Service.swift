import ServiceLifecycle

/// A metrics server is a swift-service-lifecycle `Service`, so an app that runs its worker in a
/// `ServiceGroup` runs the scrape endpoint beside it without managing a thread:
///
/// ```swift
/// let group = ServiceGroup(services: [metricsServer, worker, app], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// A group shuts its services down in reverse order, so a server listed before the worker keeps
/// answering scrapes while the worker drains, and the last figures of the shutdown are still read.
extension MetricsServer: Service {
    /// Serves until the group shuts down gracefully or cancels this task, then stops (the port is
    /// free again when this returns).
    public func run() async throws {
        start()
        defer { stop() }
        // Throws CancellationError when the task is cancelled: that too ends the service.
        try? await gracefulShutdown()
    }
}
