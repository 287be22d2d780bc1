import Logging

extension Worker {
    /// The most jobs one promotion call moves from each set; a backlog is worked off in several calls
    /// without a pause, so one call never blocks Redis for long.
    static let promotionBatchSize = 100

    /// Promotes due scheduled and retry jobs to their queues, polling at a random interval scaled by the
    /// number of live processes (see ``ScheduledPollInterval``), until cancelled or the worker stops
    /// fetching (as Sidekiq's poller stops on quiet).
    func keepPromotingDueJobs() async {
        var processCount = 1
        var backoff = RetryBackoff()
        while !Task.isCancelled && !inFlight.hasStoppedFetching {
            do {
                while try await backend.promoteDueJobs(limit: Self.promotionBatchSize) >= Self.promotionBatchSize {
                    if Task.isCancelled { return }
                }
                processCount = max(1, try await backend.liveProcessCount())
                backoff.reset()
            } catch {
                if !backoff.isBackingOff {
                    logger.warning("Could not promote due scheduled and retry jobs; trying again.", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(backoff.nextDelay()))
                continue
            }
            let interval = ScheduledPollInterval.random(processCount: processCount, average: configuration.scheduledPollInterval)
            try? await Task.sleep(for: .seconds(interval))
        }
    }
}
