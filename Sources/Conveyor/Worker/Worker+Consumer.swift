import ConveyorSupport
import Logging

extension Worker {
    /// The consumer thread's loop: wait for a free slot, fetch up to that many jobs (blocking at most
    /// `fetchTimeout`), and hand the batch to the runners on the loop thread. While jobs finish fast it
    /// fetches a little ahead of the free slots (``PrefetchAllowance``), so the runners do not wait
    /// for its round trips.
    func consume(with fetcher: any JobFetcher, executor: LoopExecutor, runners: JobRunners, acknowledger: Acknowledger) {
        var backoff = RetryBackoff()
        // Set when a fetch failed without an answer: it may have moved jobs we never received.
        var mayHoldStrays = false
        let stopsWhenIdle = lifecycle.withLock { $0.stopsWhenIdle }
        // In drain mode a short wait ends the run promptly once the queues are empty: 10 ms, as each
        // empty fetch while the last jobs run waits this long before the consumer looks again.
        let timeout = stopsWhenIdle ? min(configuration.fetchSeconds, 0.01) : configuration.fetchSeconds
        var prefetch = PrefetchAllowance(limit: configuration.concurrency)
        while true {
            prefetch.noteFinished(inFlight.finishedCount, at: MonotonicClock.now())
            let free = inFlight.waitForFreeSlots(prefetch: prefetch.jobs)
            if free == 0 { break }
            let notes = inFlight.mayFetchNotes
            if !mayFetch {
                // No lease, no fetch: recovery would hand the jobs to another worker. Before the first
                // beat and recovery pass this is a short wait, cut short when either completes; later
                // it means the heartbeat keeps failing (said there).
                if inFlight.sleepUnlessStopping(0.05, orNotedSince: notes) { break }
                continue
            }
            if fetcher.shouldLookForStrays() { mayHoldStrays = true }
            if mayHoldStrays {
                do {
                    if !handOver(try strays(in: fetcher, acknowledger: acknowledger), to: runners, executor: executor) { break }
                    mayHoldStrays = false
                } catch {
                    if faults.fetching.failed(error, then: "retrying with backoff") == .fatal {
                        stop(becauseOf: .backendRefused(activity: "Fetching jobs", reason: "\(error)"))
                        break
                    }
                    if inFlight.sleepUnlessStopping(backoff.nextDelay()) { break }
                    continue
                }
            }
            let jobs: [FetchedJob]
            do {
                let fetchStarted = MonotonicClock.now()
                jobs = try fetcher.fetch(from: configuration.queues.nextOrder(), maximum: free, timeout: timeout)
                if !jobs.isEmpty { prefetch.noteFetch(seconds: MonotonicClock.now() - fetchStarted) }
                faults.fetching.succeeded()
                backoff.reset()
            } catch {
                let kind = faults.fetching.failed(error, then: "retrying with backoff")
                if kind == .fatal {
                    stop(becauseOf: .backendRefused(activity: "Fetching jobs", reason: "\(error)"))
                    break
                }
                mayHoldStrays = true
                if inFlight.sleepUnlessStopping(backoff.nextDelay()) { break }
                continue
            }
            if jobs.isEmpty {
                runners.releaseSpent()
                if stopsWhenIdle && inFlight.count == 0 { stop() ; break }
                continue
            }
            if !handOver(jobs, to: runners, executor: executor) { break }
        }
        returnWaitingJobs(of: runners, executor: executor)
        logger.debug("Consumer thread stopped.")
    }

    /// Pushes the jobs fetched ahead that no runner has taken back to their queues, once the worker
    /// stopped fetching: a quiet worker starts no new job, and a stopping one leaves them to others
    /// rather than running them in its drain.
    private func returnWaitingJobs(of runners: JobRunners, executor: LoopExecutor) {
        let waiting = runners.takeWaiting()
        guard !waiting.isEmpty else { return }
        logger.debug("Returning jobs fetched ahead, never started, to their queues.", metadata: ["jobs": "\(waiting.count)"])
        // The requeue holds a slot of its own until it is done, so their slots can be freed now.
        requeueUnstarted(waiting.map(\.fetched), executor: executor)
        for item in waiting { inFlight.finish(item.slot) }
    }

    /// The jobs in this worker's private lists that it does not hold: moved there by a fetch whose
    /// answer was lost with the connection (the backend ran it, the reply never came), or left there
    /// by an acknowledgement the old master took but never replicated before a failover. No worker would
    /// ever run them, and recovery leaves a live worker's lists alone, so this worker runs them now.
    /// Only the consumer thread fetches, so every other job in the lists is running, fetched ahead and
    /// waiting for a runner (held in the same table), or finished and awaiting its acknowledgement;
    /// all are read before the lists, so none is taken for a stray.
    private func strays(in fetcher: any JobFetcher, acknowledger: Acknowledger) throws -> [FetchedJob] {
        var held: [[UInt8]: Int] = [:]
        for running in inFlight.snapshot { held[running.fetched.payload, default: 0] += 1 }
        for finished in acknowledger.unacknowledged { held[finished.payload, default: 0] += 1 }
        var strays: [FetchedJob] = []
        for job in try fetcher.heldJobs(in: configuration.queues.names) {
            if let count = held[job.payload], count > 0 {
                held[job.payload] = count - 1
            } else {
                strays.append(job)
            }
        }
        if !strays.isEmpty {
            logger.warning("Found jobs in this worker's private list that a fetch lost with its connection; running them now.", metadata: ["jobs": "\(strays.count)"])
        }
        return strays
    }

    /// Reads the batch (outlined: only what running a job needs is decoded now, see ``OutlinedJob``),
    /// then counts it as running and hands it over under one lock. Reading here, not on the loop
    /// thread, splits a job's cost between the two threads.
    ///
    /// False when a stop or quiet came while the batch was fetched: then the runners refuse it (under
    /// the same lock), and these jobs, never started, go straight back to their queues.
    private func handOver(_ jobs: [FetchedJob], to runners: JobRunners, executor: LoopExecutor) -> Bool {
        guard !jobs.isEmpty else { return true }
        let parsed = jobs.map { fetched in Result { () throws(JobDecodingError) in try Job(outlining: fetched.payload) } }
        guard runners.start(jobs, parsed: parsed) else {
            requeueUnstarted(jobs, executor: executor)
            return false
        }
        return true
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
