import ConveyorSupport
import Foundation
import Logging

extension Worker {
    /// How late a tick may be noticed and still count as on time: a worker paused this long by a loaded
    /// machine still pushes the ticks it slept through. Older ticks were missed by every worker, and
    /// their entry's `catchUp` decides.
    static let periodicGrace = 10.0

    /// How long a tick's claim lives: longer than the grace, so no worker can claim a tick again.
    static let periodicClaimLifetime = Duration.seconds(600)

    /// Pushes the configured periodic jobs at their ticks, until cancelled or the worker stops
    /// fetching. Each tick is claimed by name and tick time in one atomic step with its push
    /// (``JobBackend/claimPeriodicTick(name:tick:job:claimLifetime:)``), so every worker may run the
    /// same schedule. Checks 5 times a second, so a tick is pushed within about 0.2 s.
    func keepPushingPeriodicJobs() async {
        let entries = configuration.periodicJobs
        guard !entries.isEmpty else { return }
        var lastSeen: [String: Date] = [:]
        var backoff = RetryBackoff()
        while !Task.isCancelled && !inFlight.hasStoppedFetching {
            do {
                try await backend.publishPeriodicJobs(entries)
                // Where each entry stands: its last pushed tick, so a missed tick is found after restarts.
                lastSeen = try await backend.lastPeriodicTicks()
                break
            } catch {
                faults.promotion.failed(error, then: "periodic jobs wait until the schedule can be read; retrying with backoff")
                try? await LoopExecutor.sleep(for: .seconds(backoff.nextDelay()))
            }
        }
        let started = Date()
        while !Task.isCancelled && !inFlight.hasStoppedFetching {
            let now = Date()
            for entry in entries {
                do {
                    lastSeen[entry.name] = try await pushDueTicks(of: entry, since: lastSeen[entry.name], now: now, startedAt: started)
                } catch is CancellationError {
                    // Stopping. A claim whose reply was cut short is still atomic with its push, and
                    // the next worker finds the tick claimed: nothing is lost or doubled.
                    return
                } catch {
                    logger.warning("Could not push a periodic job; the next check tries again.", metadata: ["periodic": "\(entry.name)", "error": "\(error)"])
                }
            }
            try? await LoopExecutor.sleep(for: .milliseconds(200))
        }
    }

    /// Claims the ticks of one entry due by `now` since `lastTick`; returns the newest tick handled.
    private func pushDueTicks(of entry: PeriodicJob, since lastTick: Date?, now: Date, startedAt: Date) async throws -> Date? {
        let recentStart = now.addingTimeInterval(-Self.periodicGrace)
        var handled = lastTick
        // A tick missed by every worker: after the last one pushed and older than the grace.
        if let lastTick, lastTick < recentStart, let missed = entry.nextTick(after: lastTick), missed <= recentStart {
            let job = entry.catchUp ? EncodedJob(queue: entry.queue, payload: entry.job(for: missed).serialized(enqueuedAt: now.timeIntervalSince1970)) : nil
            if try await backend.claimPeriodicTick(name: entry.name, tick: missed, job: job, claimLifetime: Self.periodicClaimLifetime) {
                logger.notice(entry.catchUp ? "Running a periodic job's missed tick once (catch_up)." : "Skipping a periodic job's missed tick (catch_up is off).", metadata: [
                    "periodic": "\(entry.name)", "tick": "\(missed)",
                ])
            }
        }
        // An entry that never ran starts at this worker's start, not in the past.
        var cursor = max(lastTick ?? startedAt, recentStart)
        var count = 0
        while let tick = entry.nextTick(after: cursor), tick <= now, count < 1000 {
            let job = entry.job(for: tick)
            if try await backend.claimPeriodicTick(name: entry.name, tick: tick, job: EncodedJob(queue: job.queue, payload: job.serialized(enqueuedAt: now.timeIntervalSince1970)), claimLifetime: Self.periodicClaimLifetime) {
                logger.debug("Pushed a periodic job.", metadata: ["periodic": "\(entry.name)", "jid": "\(job.jid)"])
            }
            handled = tick
            cursor = tick
            count += 1
        }
        return handled
    }
}
