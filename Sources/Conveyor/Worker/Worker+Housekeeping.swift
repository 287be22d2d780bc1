import ConveyorSupport
import Logging
#if canImport(Glibc)
import Glibc
#endif

extension Worker {
    /// Publishes the heartbeat at once, then every `heartbeatInterval` (obeying any signal it pops),
    /// until cancelled.
    func keepBeating() async {
        while !Task.isCancelled {
            await beatAndObeySignal()
            try? await LoopExecutor.sleep(for: .seconds(configuration.heartbeatSeconds))
        }
    }

    /// The lease each beat renews: the configured stale age, which ``WorkerConfiguration`` guarantees
    /// is longer than the heartbeat interval.
    var leaseDuration: Double { configuration.recoveryPolicy.staleHeartbeatSeconds }

    /// Whether the consumer may fetch: the lease is held and the first recovery pass is over, read
    /// under one lock acquisition (the consumer asks before every fetch).
    var mayFetch: Bool {
        let (lastBeatAt, hasRecoveredOnce) = lifecycle.withLock { ($0.lastBeatAt, $0.hasRecoveredOnce) }
        guard hasRecoveredOnce, let lastBeatAt else { return false }
        return leaseIsSafe(lastBeatAt: lastBeatAt)
    }

    /// Whether the last beat that reached the backend keeps the lease alive for a while yet: a worker
    /// whose beats fail would otherwise keep taking jobs that other workers, seeing its lease expire,
    /// recover and run a second time.
    private func leaseIsSafe(lastBeatAt: Double) -> Bool {
        let interval = configuration.heartbeatSeconds
        let safeAge = min(leaseDuration, max(leaseDuration - interval, 1.5 * interval))
        return MonotonicClock.now() - lastBeatAt < safeAge
    }

    /// Recovers dead workers' private lists at once, then every `recoveryInterval`, until cancelled.
    /// Its own loop, so that recovery runs at its interval whatever the heartbeat's.
    func keepRecovering() async {
        while !Task.isCancelled {
            await recoverOrphanedJobs()
            let isFirst = lifecycle.withLock { state in
                defer { state.hasRecoveredOnce = true }
                return !state.hasRecoveredOnce
            }
            if isFirst { inFlight.noteMayFetch() }
            try? await LoopExecutor.sleep(for: .seconds(configuration.recoverySeconds))
        }
    }

    /// Beats once and obeys the signal the beat popped, if any. A beat refused for a reason retrying
    /// cannot fix stops the worker: without a heartbeat other workers would take its running jobs.
    func beatAndObeySignal() async {
        let reply: HeartbeatReply
        let sentAt = MonotonicClock.now()
        do {
            reply = try await beat()
            let wasWithoutLease = lifecycle.withLock { state in
                defer { state.lastBeatAt = sentAt }
                return state.lastBeatAt == nil
            }
            if wasWithoutLease { inFlight.noteMayFetch() }
            faults.heartbeat.succeeded()
        } catch {
            let kind = faults.heartbeat.failed(error, then: "without heartbeats, other workers recover this worker's jobs once its lease (\(Duration.seconds(leaseDuration).secondsDescription)) expires")
            if kind == .fatal { stop(becauseOf: .backendRefused(activity: "The heartbeat", reason: "\(error)")) }
            return
        }
        await cancelRequestedJobs()
        await renewLimitSlots()
        if reply.hadLostLease {
            logger.warning("This worker's lease had expired before this heartbeat (it was frozen or cut off from Redis for longer than its lease, \(Duration.seconds(leaseDuration).secondsDescription)): other workers may have recovered the jobs it is running, which can then run twice.")
        }
        switch reply.signal {
        case .quiet?:
            logger.info("TSTP received through the signals list.")
            quiet()
        case .stop?:
            logger.info("TERM received through the signals list: shutting down gracefully.")
            stop()
        case nil:
            break
        }
    }

    /// Extends the leases of the concurrency slots the running jobs hold, as the worker's own lease.
    func renewLimitSlots() async {
        let slots = inFlight.limitSlots
        guard !slots.isEmpty else { return }
        do {
            try await backend.renewConcurrencySlots(slots, lease: .seconds(leaseDuration))
        } catch is CancellationError {
            // The worker is stopping: the next beat, if any, tries again; nothing to report.
        } catch {
            logger.warning("Could not renew the running jobs' concurrency slots; they free themselves if this goes on past --stale-after.", metadata: ["error": "\(error)"])
        }
    }

    /// Reads the cancel marks of the running jobs (`conveyor cancel`) and cancels those jobs' tasks. A
    /// failure is logged and retried with the next beat.
    func cancelRequestedJobs() async {
        let slots = inFlight.slots
        guard !slots.isEmpty else { return }
        var jids: [Int: String] = [:]
        for (slot, fetched) in slots {
            if let jid = try? Job(json: fetched.payload).jid { jids[slot] = jid }
        }
        do {
            let marked = try await backend.cancellationRequests(among: Array(Set(jids.values)))
            guard !marked.isEmpty else { return }
            let cancelled = inFlight.cancel(slots: jids.filter { marked.contains($0.value) }.map(\.key))
            if cancelled > 0 {
                logger.info("Cancelling jobs as an administrator asked.", metadata: ["jids": "\(marked.sorted().joined(separator: ","))"])
            }
        } catch is CancellationError {
            // The worker is stopping: the next beat, if any, tries again; nothing to report.
        } catch {
            logger.warning("Could not read the running jobs' cancel marks; trying again with the next heartbeat.", metadata: ["error": "\(error)"])
        }
    }

    /// Empties the private lists of dead workers: jobs go back to their queues, poison pills to the dead set.
    func recoverOrphanedJobs() async {
        do {
            let result = try await backend.recoverOrphanedJobs(policy: configuration.recoveryPolicy)
            faults.recovery.succeeded()
            metrics?.record(result)
            if result.requeued > 0 {
                logger.warning("Recovered jobs from the private lists of dead workers.", metadata: ["jobs": "\(result.requeued)"])
            }
            if result.buried > 0 {
                logger.error("Jobs recovered from crashed workers too often went to the dead set as poison pills.", metadata: [
                    "jobs": "\(result.buried)", "maximumRecoveries": "\(configuration.recoveryPolicy.maximumRecoveries)",
                ])
            }
        } catch {
            faults.recovery.failed(error, then: "dead workers' jobs wait until a recovery succeeds")
        }
    }

    /// Sends one heartbeat in Sidekiq's process-registry shape; returns the signal popped with it.
    func beat() async throws -> HeartbeatReply {
        let running = inFlight.started
        var runningJobs: [String: JSONObject] = [:]
        for (index, entry) in running.enumerated() {
            var work = JSONObject()
            work["queue"] = .string(entry.fetched.queue)
            work["payload"] = .string(String(decoding: entry.fetched.payload, as: UTF8.self))
            work["run_at"] = .number(JSONNumber(Int(entry.startedAt)))
            runningJobs["w\(index)"] = work
        }
        let startedAt = lifecycle.withLock { $0.startedAt }
        var info = JSONObject()
        info["hostname"] = .string(WorkerIdentity.hostname())
        info["started_at"] = .number(JSONNumber(startedAt))
        info["pid"] = .number(JSONNumber(Int(getpid())))
        info["tag"] = .string(configuration.tag)
        info["concurrency"] = .number(JSONNumber(configuration.concurrency))
        info["queues"] = .array(configuration.queues.entries.flatMap { entry in
            Array(repeating: JSONValue.string(entry.name), count: configuration.queues.isWeighted ? entry.weight : 1)
        })
        info["labels"] = .array([.string("conveyor")])
        info["identity"] = .string(identity)
        return try await backend.beat(WorkerHeartbeat(
            identity: identity,
            info: info,
            busy: running.count,
            isQuiet: inFlight.hasStoppedFetching,
            residentKilobytes: Self.residentKilobytes(),
            runningJobs: runningJobs,
            leaseDuration: leaseDuration,
            isFirst: lifecycle.withLock { $0.lastBeatAt == nil }
        ))
    }

    /// The process's resident set size in KB, from `/proc/self/statm`.
    static func residentKilobytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        var line = [CChar](repeating: 0, count: 128)
        guard fgets(&line, 128, file) != nil else { return 0 }
        let fields = String(decoding: line.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self).split(separator: " ")
        if fields.count > 1 { size = Int(fields[0]) ?? 0; resident = Int(fields[1]) ?? 0 }
        _ = size
        return resident * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}
