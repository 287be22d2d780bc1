import ConveyorSupport
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
        // Sleeps through the loop thread's own clock; a cancelled task's sleep returns at once, so the
        // loop checks cancellation before sleeping again.
        while !Task.isCancelled && !inFlight.hasStoppedFetching {
            do {
                while try await backend.promoteDueJobs(limit: Self.promotionBatchSize) >= Self.promotionBatchSize {
                    if Task.isCancelled { return }
                }
                processCount = max(1, try await backend.liveProcessCount())
                backoff.reset()
                faults.promotion.succeeded()
            } catch {
                faults.promotion.failed(error, then: "due jobs wait in their sets until a promotion succeeds; retrying with backoff")
                try? await LoopExecutor.sleep(for: .seconds(backoff.nextDelay()))
                continue
            }
            let interval = ScheduledPollInterval.random(processCount: processCount, average: configuration.scheduledPollSeconds)
            try? await LoopExecutor.sleep(for: .seconds(interval))
        }
    }
}
