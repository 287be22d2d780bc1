import Logging

extension Worker {
    /// The consumer thread's loop: wait for a free slot, fetch up to that many jobs (blocking at most
    /// `fetchTimeout`), and start each one on the loop thread.
    func consume(with fetcher: any JobFetcher, executor: LoopExecutor, acknowledger: Acknowledger) {
        var backoff = RetryBackoff()
        let stopsWhenIdle = lifecycle.withLock { $0.stopsWhenIdle }
        // In drain mode a short wait ends the run promptly once the queues are empty.
        let timeout = stopsWhenIdle ? min(configuration.fetchTimeout, 0.05) : configuration.fetchTimeout
        while true {
            let free = inFlight.waitForFreeSlots()
            if free == 0 { break }
            let jobs: [FetchedJob]
            do {
                jobs = try fetcher.fetch(from: configuration.queues.nextOrder(), maximum: free, timeout: timeout)
                if backoff.isBackingOff { logger.info("Fetching again: the backend is back.") }
                backoff.reset()
            } catch {
                if !backoff.isBackingOff {
                    logger.warning("Fetching failed; retrying with backoff until the backend is back.", metadata: ["error": "\(error)"])
                }
                if inFlight.sleepUnlessStopping(backoff.nextDelay()) { break }
                continue
            }
            if inFlight.hasStoppedFetching {
                // Fetched while a stop or quiet arrived: these never started, so they go straight back.
                requeueUnstarted(jobs, executor: executor)
                break
            }
            if jobs.isEmpty {
                if stopsWhenIdle && inFlight.count == 0 { stop() ; break }
                continue
            }
            for fetched in jobs {
                start(fetched, executor: executor, acknowledger: acknowledger)
            }
        }
        logger.debug("Consumer thread stopped.")
    }

    private func start(_ fetched: FetchedJob, executor: LoopExecutor, acknowledger: Acknowledger) {
        let slot = inFlight.add(fetched, job: nil)
        let task = Task(executorPreference: executor) {
            await self.process(fetched, acknowledger: acknowledger)
            self.inFlight.finish(slot)
        }
        inFlight.attach(task, to: slot)
    }

    private func requeueUnstarted(_ jobs: [FetchedJob], executor: LoopExecutor) {
        guard !jobs.isEmpty else { return }
        let slot = inFlight.add(jobs[0], job: nil)
        // Tracked as in flight so shutdown waits for the requeue before closing anything.
        Task(executorPreference: executor) {
            do {
                try await self.backend.requeue(jobs)
            } catch {
                self.logger.error("Could not requeue jobs fetched during shutdown; they stay in the private list for recovery.", metadata: ["error": "\(error)"])
            }
            self.inFlight.finish(slot)
        }
    }
}
