import ConveyorSupport
import Logging

extension Worker {
    /// Runs one fetched job on the loop thread and settles it: acknowledged on success, moved to the
    /// retry or dead set on failure, left in the private list when cancelled by shutdown (which
    /// requeues it), acknowledged without a retry when an administrator cancelled it (`slot` is where
    /// ``InFlightJobs`` records that). `parsed` is the payload as the consumer thread read it.
    ///
    /// `nonisolated(nonsending)`, as the other functions every job passes through: it runs on the
    /// caller's executor, the loop thread, with no switch at entry (each switch asks the runtime for
    /// the task's preferred executor, under a lock).
    nonisolated(nonsending) func process(_ fetched: FetchedJob, parsed: Result<Job, JobDecodingError>, slot: Int? = nil, acknowledger: Acknowledger) async {
        let job: Job
        switch parsed {
        case .success(let parsedJob):
            job = parsedJob
        case .failure(let error):
            // Labelled by the queue it came from, which this worker serves, never by the payload's
            // fields: label values stay bounded whatever a payload says.
            let runMetrics = metrics?.handles(queue: fetched.queue, className: nil)
            runMetrics?.recordFailureBeforeRun()
            await bury(fetched, reason: error, acknowledger: acknowledger)
            runMetrics?.dead.increment()
            return
        }
        let context = JobContext(job: job, logger: logger, workerIdentity: identity)
        // Read once: each read of a field searches the job's members.
        let className = job.className
        guard let (handler, options) = registry.registration(for: className) else {
            let error = UnknownJobClassError(className: className, known: registry.classNames)
            let runMetrics = metrics?.handles(queue: fetched.queue, className: nil)
            runMetrics?.recordFailureBeforeRun()
            await fail(fetched, job: job, error: error, logger: context.logger, metrics: runMetrics, acknowledger: acknowledger)
            return
        }
        // Limits: a job over one goes back to the schedule set for a while, never runs and never spins.
        if let rate = configuration.rateLimit(for: className) ?? options.rateLimit {
            let key = rate.key ?? className
            do {
                if let wait = try await backend.admitToRateWindow(key: key, limit: rate.limit, window: rate.window) {
                    await sendBack(fetched, job: job, after: wait.inSeconds + Double.random(in: 0...0.2), because: "rate limit '\(key)'", logger: context.logger)
                    return
                }
            } catch {
                await sendBack(fetched, job: job, after: JobLimits.backoff(attempt: 0), because: "the rate limit could not be checked (\(error))", logger: context.logger)
                return
            }
        }
        var heldSlot: (key: String, holder: String)?
        if let concurrency = configuration.concurrencyLimit(for: className) ?? options.concurrencyLimit {
            let key = concurrency.key ?? className
            let acquired: Bool
            do {
                acquired = try await backend.acquireConcurrencySlot(key: key, holder: job.jid, limit: concurrency.limit, lease: .seconds(leaseDuration))
            } catch {
                acquired = false
                context.logger.warning("Could not take a concurrency slot; the job waits.", metadata: ["error": "\(error)"])
            }
            guard acquired else {
                let attempt = job.fields[JobLimits.limitedCountField]?.intValue ?? 0
                await sendBack(fetched, job: job, after: JobLimits.backoff(attempt: attempt), because: "concurrency limit '\(key)' (\(concurrency.limit))", logger: context.logger)
                return
            }
            heldSlot = (key, job.jid)
            if let slot { inFlight.setLimitSlot(heldSlot, for: slot) }
        }
        let runMetrics = metrics?.handles(queue: fetched.queue, className: className)
        // A job recovered from a crash before (a suspect) runs only while no other suspect runs, and is
        // marked as started for that time, so that a later crash counts against it only if it was
        // running, and never against the suspects that were fetched with it and still wait their turn
        // (see `RecoveryDecision`). Jobs never recovered run alongside as usual.
        let isSuspect = RecoveryDecision.isSuspect(job)
        if isSuspect {
            guard await suspectGate.enter() else {  // cancelled by shutdown: pushed back, not run
                let backend = self.backend
                if let heldSlot { _ = try? await withoutCancellation { try await backend.releaseConcurrencySlot(key: heldSlot.key, holder: heldSlot.holder) } }
                await pushBack(fetched)
                return
            }
            await setStartMark(on: fetched, jid: job.jid, isStarted: true, logger: context.logger)
        }
        if let lock = job.uniqueLock, lock.until == .start {
            // `unique_until: start`: a duplicate may be pushed from now on. A failure only keeps the
            // lock until the job ends or its `unique_for` runs out.
            do {
                try await backend.releaseUniqueLock(lock.digest, jid: job.jid)
            } catch {
                context.logger.warning("Could not release a unique job's lock at its start; it ends with the job or its unique_for.", metadata: ["error": "\(error)"])
            }
        }
        let outcome: Result<Void, any Error>
        // Read only with metrics on: a run without them pays for no clock.
        let startedAt = runMetrics == nil ? 0 : MonotonicClock.now()
        do {
            if configuration.middleware.isEmpty {
                try await Self.run(handler, context, timeout: options.timeout)
            } else {
                try await configuration.middleware.run(context) { context in
                    try await Self.run(handler, context, timeout: options.timeout)
                }
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        let ranFor = runMetrics == nil ? 0 : MonotonicClock.now() - startedAt
        if isSuspect {
            await setStartMark(on: fetched, jid: job.jid, isStarted: false, logger: context.logger)
            suspectGate.leave()
        }
        if let heldSlot {
            // Freed before the job is settled; a failure leaves the slot to its lease.
            if let slot { inFlight.setLimitSlot(nil, for: slot) }
            do {
                let backend = self.backend
                try await withoutCancellation { try await backend.releaseConcurrencySlot(key: heldSlot.key, holder: heldSlot.holder) }
            } catch {
                context.logger.warning("Could not free a concurrency slot; it frees itself when its lease runs out.", metadata: ["error": "\(error)"])
            }
        }
        switch outcome {
        case .success:
            runMetrics?.recordRun(seconds: ranFor, isFailure: false)
            acknowledger.record(fetched, failed: false)
        case .failure(let error):
            if let slot, inFlight.isCancelRequested(slot) {
                // `conveyor cancel`: the run is over and is not retried. Counted as processed, not
                // failed: the handler did not fail, it was stopped.
                context.logger.notice("Job cancelled by an administrator; it is not retried.", metadata: ["error": "\(LogText.escaped(String(describing: error)))"])
                acknowledger.record(fetched, failed: false)
                let backend = self.backend
                _ = try? await withoutCancellation { try await backend.forgetCancellation(of: job.jid) }
                return
            }
            if Task.isCancelled && inFlight.isStopping {
                // Shutdown cancelled this run: the job is pushed back, not failed, and the run did not
                // finish, so it is not counted either.
                await pushBack(fetched)
                return
            }
            runMetrics?.recordRun(seconds: ranFor, isFailure: true)
            await fail(fetched, job: job, error: error, options: options, logger: context.logger, metrics: runMetrics, acknowledger: acknowledger)
        }
    }

    /// Sends a job over a limit back to the schedule set, to be promoted after `delay` seconds, with its
    /// `limited_count` raised so a job that keeps meeting a concurrency limit waits longer each time.
    /// Not a run: no counter moves.
    func sendBack(_ fetched: FetchedJob, job: Job, after delay: Double, because reason: String, logger: Logger) async {
        var waiting = job
        waiting.fields[JobLimits.limitedCountField] = .number(JSONNumber((job.fields[JobLimits.limitedCountField]?.intValue ?? 0) + 1))
        logger.debug("Job over a limit goes back to wait.", metadata: ["limit": "\(reason)", "delay": "\(delay)"])
        await settle(fetched, in: .schedule, payload: waiting.serialized(), score: WallClock.now() + delay)
    }

    /// Pushes back the job of a run that shutdown cancelled, to the front of its queue. The run does
    /// this itself, once it is over, so a job is either settled by its run or pushed back, never both
    /// (a handler that catches the cancellation and returns normally is acknowledged instead). If Redis
    /// cannot be reached the job stays in the private list, and recovery finds it.
    func pushBack(_ fetched: FetchedJob) async {
        let backend = self.backend
        do {
            try await withoutCancellation { try await backend.requeue([fetched]) }
        } catch {
            logger.error("Could not push back a job cut short by shutdown; it stays in this worker's private list and another worker recovers it.", metadata: ["error": "\(error)"])
        }
    }

    /// Marks or unmarks a suspect job as started. A failure is logged (with `logger`, the job's) and
    /// the job runs anyway: the mark only spares the job from blame for a crash it did not cause.
    func setStartMark(on fetched: FetchedJob, jid: String, isStarted: Bool, logger: Logger) async {
        do {
            // After a cancelled run too: the mark must go, or a later crash is counted against this job.
            let backend = self.backend
            try await withoutCancellation {
                if isStarted {
                    try await backend.markStarted(fetched, jid: jid)
                } else {
                    try await backend.unmarkStarted(fetched, jid: jid)
                }
            }
        } catch {
            logger.warning("Could not \(isStarted ? "mark" : "unmark") a recovered job as started; a crash now may be counted against the wrong job.", metadata: ["error": "\(LogText.escaped(String(describing: error)))"])
        }
    }

    /// Runs a handler, racing it against its timeout when it has one: at the deadline the handler's
    /// task is cancelled and the run fails with ``JobTimeoutError``. Both child tasks inherit the loop
    /// executor. The group waits for the cancelled handler to return, so a run never outlives its slot.
    nonisolated(nonsending) static func run(_ handler: @escaping JobRegistry.Handler, _ context: JobContext, timeout: Duration?) async throws {
        guard let timeout else {
            try await handler(context)
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await handler(context) }
            group.addTask {
                try await LoopExecutor.sleep(for: timeout)
                throw JobTimeoutError(timeout: timeout)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Routes a failed job to the retry or dead set (or drops it) and logs one line with `logger`, the
    /// job's, saying why and where it went; `metrics`, when on, count where it went once it is there.
    private func fail(
        _ fetched: FetchedJob, job: Job, error: any Error, options: JobOptions = JobOptions(), logger: Logger, metrics: JobMetrics?, acknowledger: Acknowledger
    ) async {
        let destination = FailureRouting.destination(
            for: job, errorClass: String(describing: type(of: error)), message: String(describing: error), now: WallClock.now(),
            customDelay: configuration.retryDelayOverrideSeconds.map { delay in { @Sendable _ in delay } } ?? options.retryDelay
        )
        Self.logFailure(error, destination: destination, logger: logger)
        switch destination {
        case .discard:
            acknowledger.record(fetched, failed: true)
        case .set(let set, let payload, let score):
            await settle(fetched, in: set, payload: payload, score: score)
            acknowledger.record(nil, failed: true)
            (set == .dead ? metrics?.dead : metrics?.retried)?.increment()
            if set == .dead, let onDeath = configuration.onDeath {
                await onDeath((try? Job(json: payload)) ?? job, error)
            }
        }
    }

    /// The line about a failed job, saying where it goes. A missing handler is an error whatever
    /// comes next: a deploy went wrong, and that class's jobs pile up.
    static func logFailure(_ error: any Error, destination: FailureRouting.Destination, logger: Logger) {
        let isMissingHandler = error is UnknownJobClassError
        var level: Logger.Level = isMissingHandler ? .error : .warning
        let next: String
        switch destination {
        case .set(.dead, _, _):
            level = .error
            next = "it has no retries left and goes to the dead set"
        case .set(let set, _, let score):
            let delay = max(0, score - WallClock.now())
            let seconds = delay < 10 ? "\((delay * 10).rounded() / 10)" : "\(Int(delay.rounded()))"
            next = "it goes to the \(set.rawValue) set and runs again in \(seconds) s"
        case .discard:
            next = "it is dropped, as its retry (or dead) option asks"
        }
        let what = isMissingHandler ? "No handler for this job class" : "Job failed"
        logger.log(level: level, "\(what); \(next).", metadata: ["error": "\(LogText.escaped(String(describing: error)))"])
    }

    /// A payload that is not a job at all goes straight to the dead set: retrying cannot fix it. A JSON
    /// object gets the reason in its `error_message`; other bytes are kept exactly as they are, and
    /// `conveyor dead list` derives their reason from them again (``JobDecodingError`` depends on
    /// the bytes alone).
    private func bury(_ fetched: FetchedJob, reason: JobDecodingError, acknowledger: Acknowledger) async {
        let parsed = try? JSONValue.parse(fetched.payload)
        var metadata: Logger.Metadata = [
            "error": "\(LogText.escaped(reason.description))", "queue": "\(LogText.escaped(fetched.queue))",
            "payload": "\(LogText.escaped(bytes: fetched.payload.prefix(200)))",
        ]
        // Whatever of a job's identity the payload holds, so its line can be found with the job's others.
        for (key, field) in [("jid", JobField.jid), ("class", JobField.className)] {
            if let value = parsed?.objectValue?[field]?.stringValue { metadata[key] = "\(LogText.escaped(value))" }
        }
        logger.error("Malformed job payload; it goes to the dead set.", metadata: metadata)
        var payload = fetched.payload
        if case .object(var fields)? = parsed {
            fields[JobField.errorMessage] = .string(FailureRouting.storedMessage(reason.description))
            fields[JobField.errorClass] = .string("Conveyor::MalformedJob")
            fields[JobField.failedAt] = .number(JSONNumber(WallClock.now()))
            payload = JSONValue.object(fields).serialized()
        }
        await settle(fetched, in: .dead, payload: payload, score: WallClock.now())
        acknowledger.record(nil, failed: true)
    }

    /// Moves a job to a set, retrying while the backend is away; the job stays safe in the private
    /// list until the move succeeds.
    func settle(_ fetched: FetchedJob, in set: JobSet, payload: [UInt8], score: Double) async {
        var backoff = RetryBackoff()
        while true {
            do {
                // Bookkeeping after the run: a job task cancelled by a stop right after its handler
                // failed must still reach the retry or dead set, not sit in the private list.
                let backend = self.backend
                try await withoutCancellation { try await backend.move(fetched, to: set, payload: payload, score: score) }
                return
            } catch {
                if !backoff.isBackingOff {
                    logger.warning("Could not move a failed job to the \(set.rawValue) set; retrying.", metadata: ["error": "\(error)"])
                }
                if inFlight.isStopping && backoff.isBackingOff { return }
                try? await LoopExecutor.sleep(for: .seconds(backoff.nextDelay()))
            }
        }
    }
}

/// A job's class has no registered handler.
public struct UnknownJobClassError: Error, Sendable, CustomStringConvertible {
    /// The unknown class name.
    public let className: String
    /// The classes this worker knows.
    public let known: [String]

    public var description: String {
        "No handler is registered for job class '\(className)'; this worker knows \(known.isEmpty ? "no classes" : known.joined(separator: ", "))."
    }
}
