import ConveyorSupport
import Logging
import ServiceLifecycle

/// Runs jobs from a backend: a consumer thread fetches them (never more than `concurrency` at once)
/// and schedules each handler on the worker's loop thread.
///
/// ```swift
/// let worker = Worker(backend: backend, registry: registry, configuration: try .init(concurrency: 20))
/// try await worker.run()          // until stop(), a graceful shutdown of its ServiceGroup, or cancellation
/// ```
///
/// A worker is a swift-service-lifecycle `Service`: put it in your app's `ServiceGroup` next to the
/// HTTP server, and the group's graceful shutdown (SIGTERM) drains it as ``stop(_:)`` does, while
/// cancelling its task cancels the running jobs and pushes them back at once.
///
/// Besides running jobs, each worker promotes due scheduled and retry jobs to their queues (a poller
/// spread over all live workers, as Sidekiq's), beats every few seconds, obeys `TSTP`/`TERM` signals
/// popped with the beat, and recovers the private lists of crashed workers.
///
/// Shutdown follows Sidekiq: stop fetching, wait up to `shutdownTimeout` for running jobs, cancel the
/// rest and push their jobs back to the front of their queues, flush acknowledgements, remove the
/// heartbeat, join the threads.
public final class Worker: Sendable {
    /// This process's identity in the registry, `hostname:pid:hex`.
    public let identity: String
    let backend: any JobBackend
    let registry: JobRegistry
    let configuration: WorkerConfiguration
    let logger: Logger
    let inFlight: InFlightJobs
    let faults: WorkerFaults
    /// The metric handles when ``WorkerConfiguration/metrics`` is set; nil, and never touched, otherwise.
    let metrics: WorkerMetrics?
    /// Runs jobs recovered from a crash one at a time (see ``RecoveryDecision``).
    let suspectGate = SerialGate()
    let lifecycle = Locked(Lifecycle())

    struct Lifecycle {
        /// created → running → quiet → stopping → stopped, and the rules between them.
        var phase = WorkerLifecycle()
        var stopWaiter: CheckedContinuation<Void, Never>?
        var stopsWhenIdle = false
        var startedAt = 0.0
        /// When the last heartbeat that reached the backend was sent (monotonic seconds); nil before
        /// the first. The consumer fetches only while this keeps the lease safely alive.
        var lastBeatAt: Double?
        /// Whether the first recovery pass is over: the consumer waits for it, so jobs a crashed worker
        /// left behind are in their queues before this worker first finds them empty (and, draining,
        /// stops).
        var hasRecoveredOnce = false
        /// Why the worker cannot work at all (a backend error that retrying cannot fix), when it stops
        /// for that reason; ``run()`` then throws it after shutting down.
        var failure: WorkerError?
    }

    /// Seconds a shutdown may take beyond `shutdownTimeout` for requeueing, acknowledging and removing
    /// the heartbeat. Past it the worker exits anyway, leaving any unsettled job in its private list,
    /// where recovery finds it: orchestrators (Docker, Kubernetes) kill a process 10–30 s after SIGTERM.
    public static let shutdownGrace = 5.0

    /// Creates a worker; nothing runs until ``run()``.
    public init(
        backend: any JobBackend,
        registry: JobRegistry,
        configuration: WorkerConfiguration = .defaults,
        identity: String = WorkerIdentity.make(),
        logger: Logger = Logger(label: "conveyor.worker")
    ) {
        self.backend = backend
        self.registry = registry
        self.configuration = configuration
        self.identity = identity
        self.logger = logger
        self.inFlight = InFlightJobs(concurrency: configuration.concurrency)
        self.faults = WorkerFaults(logger: logger)
        self.metrics = configuration.metrics.map(WorkerMetrics.init)
    }

    /// Runs until ``stop()`` is called or the calling task is cancelled, then shuts down gracefully.
    public func run() async throws {
        try await run(stopsWhenIdle: false)
    }

    /// Runs until every served queue is empty and no job is running, then shuts down: for tests,
    /// scripts and benchmarks that process a known batch.
    public func runUntilIdle() async throws {
        try await run(stopsWhenIdle: true)
    }

    /// Where the worker is in its life: created, running, quiet, stopping or stopped.
    public var state: WorkerState { lifecycle.withLock { $0.phase.state } }

    /// Asks the worker to shut down: `.graceful` (the default) waits up to the shutdown timeout for
    /// running jobs before pushing the rest back; `.immediate` cancels them now and pushes them back,
    /// and cuts a graceful shutdown already under way short. Safe to call twice, and before ``run()``.
    public func stop(_ mode: ShutdownMode = .graceful) {
        let (changed, waiter) = lifecycle.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            let changed = state.phase.stop(mode, at: MonotonicClock.now())
            defer { state.stopWaiter = nil }
            return (changed, state.stopWaiter)
        }
        guard changed else { return }
        inFlight.stop()
        if mode == .immediate {
            inFlight.stopWaitingForRunningJobs()
            // At once, not after the consumer's last fetch: each cancelled run pushes its job back.
            inFlight.cancelRuns()
        }
        waiter?.resume()
    }

    /// Stops because the backend refuses this worker's work for a reason retrying cannot fix; ``run()``
    /// throws `failure` once shut down.
    func stop(becauseOf failure: WorkerError) {
        let isFirst = lifecycle.withLock { state -> Bool in
            guard state.failure == nil else { return false }
            state.failure = failure
            return true
        }
        if isFirst { logger.critical("The worker cannot work and stops: \(failure)") }
        stop()
    }

    /// Stops fetching new jobs while running ones finish; the worker stays up and keeps beating with
    /// `quiet=true` until ``stop()``. Sidekiq's `TSTP`. Safe to call twice.
    public func quiet() {
        guard lifecycle.withLock({ $0.phase.quiet() }) else { return }
        logger.info("Worker quiet: no more fetching; running jobs finish, the worker stays up until stopped.", metadata: ["running": "\(inFlight.started.count)"])
        inFlight.quiet()
    }

    /// Whether the worker has stopped fetching (quiet or stopping).
    public var isQuiet: Bool { inFlight.hasStoppedFetching }

    private func run(stopsWhenIdle: Bool) async throws {
        try lifecycle.withLock { state in
            try state.phase.start()
            state.stopsWhenIdle = stopsWhenIdle
            state.startedAt = WallClock.now()
        }
        let executor = LoopExecutor()
        // Heartbeat, recovery and the poller run on a thread of their own: a handler that computes
        // without yielding holds the loop thread, and must not make its live worker look dead.
        let housekeepingExecutor = LoopExecutor(name: "conveyor-housekeeping")
        let acknowledger = Acknowledger(backend: backend, executor: executor, logger: logger, onFatalFailure: { self.stop(becauseOf: $0) })
        // The runners record each job's start and end in `inFlight` themselves, as they take the next.
        let runners = JobRunners(inFlight: inFlight, executor: executor) { item, runner in
            await self.process(item.fetched, parsed: item.parsed, slot: item.slot, acknowledger: acknowledger)
        }
        // Each loop starts with a pass: the first beat takes the lease (the consumer fetches only once
        // it holds one) and the first recovery returns crashed workers' jobs to their queues. Nothing
        // here waits for Redis, so a stop request is heard at once even when Redis hangs at startup.
        // The metrics gauges are read from the backend there too, never on the loop thread.
        let housekeeping = [
            Task(executorPreference: housekeepingExecutor) { await self.keepBeating() },
            Task(executorPreference: housekeepingExecutor) { await self.keepRecovering() },
            Task(executorPreference: housekeepingExecutor) { await self.keepPromotingDueJobs() },
            Task(executorPreference: housekeepingExecutor) { await self.keepPushingPeriodicJobs() },
        ] + (metrics.map { metrics in [Task(executorPreference: housekeepingExecutor) { await self.keepSamplingGauges(metrics) }] } ?? [])
        warnAboutUnservedQueues()
        logger.info("Worker started.", metadata: [
            "identity": "\(identity)", "queues": "\(configuration.queues.names.joined(separator: ","))",
            "concurrency": "\(configuration.concurrency)",
        ])

        let consumerFinished = ThreadFinish()
        let consumer = NamedThread.start(name: "conveyor-consumer") {
            // The fetcher is made and closed on this thread: its connection has one owner for life.
            do {
                let fetcher = try self.backend.makeFetcher(owner: self.identity, queues: self.configuration.queues.names)
                self.consume(with: fetcher, executor: executor, runners: runners, acknowledger: acknowledger)
                fetcher.close()
            } catch {
                self.logger.error("Could not start fetching; the worker stops.", metadata: ["error": "\(error)"])
                self.stop()
            }
            // Quiet ends fetching for good; in drain mode nothing else would end the run.
            if stopsWhenIdle { self.stop() }
            consumerFinished.signal()
        }

        // From here on the run's own steps run on the housekeeping thread, and each `waitAtMost` in
        // them times its limit there too, rather than on the executor of the task that called `run()`:
        // in an app whose cooperative pool is busy (CPU-bound work, or hundreds of tasks on a 2-core
        // box), each resumption and each `Task.sleep` would wait for a pool thread, and the limits
        // would stretch past the time Docker or systemd allow after SIGTERM. Ending the two threads,
        // and `run()` returning, come back to the caller's executor.
        let deadline = await withTaskExecutorPreference(housekeepingExecutor) {
            await waitForStop()
            return await settle(consumer: consumer, consumerFinished: consumerFinished, runners: runners,
                                acknowledger: acknowledger, housekeeping: housekeeping)
        }
        func remaining() -> Double { max(0, deadline - MonotonicClock.now()) }
        _ = await housekeepingExecutor.shutdown(waitingAtMost: max(0.1, remaining()))
        if await !executor.shutdown(waitingAtMost: max(0.1, remaining())) {
            logger.warning("A handler still holds the loop thread (it ignores cancellation); shutting down without it.")
        }
        lifecycle.withLock { $0.phase.finish() }
        logger.info("Worker stopped.", metadata: ["identity": "\(identity)"])
        if let failure = lifecycle.withLock({ $0.failure }) { throw failure }
    }

    /// Waits for a stop request: ``stop(_:)``, the service group's graceful shutdown (which drains), or
    /// the cancellation of the calling task (which does not wait for running jobs). The shutdown after
    /// it needs no uncancelled task: every wait in it is bounded by `waitAtMost`, which runs apart from
    /// the calling task.
    private func waitForStop() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await waitForStopRequest()
            } onGracefulShutdown: {
                self.stop(.graceful)
            }
        } onCancel: {
            stop(.immediate)
        }
    }

    /// Shuts down after a stop request, up to ending the threads: waits for the consumer's last fetch,
    /// drains or cancels the running jobs, flushes acknowledgements, ends housekeeping and removes the
    /// heartbeat, each wait bounded by the shutdown's limit and timed on the thread this runs on.
    /// Returns the limit: the monotonic time by which the whole shutdown must end.
    private func settle(
        consumer: NamedThread, consumerFinished: ThreadFinish, runners: JobRunners, acknowledger: Acknowledger,
        housekeeping: [Task<Void, Never>]
    ) async -> Double {
        // Both limits count from the stop request, as Sidekiq's: waiting for the consumer's last fetch
        // comes out of the same budget as the running jobs.
        let stopRequestedAt = lifecycle.withLock { $0.phase.stopRequestedAt } ?? MonotonicClock.now()
        let deadline = stopRequestedAt + configuration.shutdownSeconds + Self.shutdownGrace
        func remaining() -> Double { max(0, deadline - MonotonicClock.now()) }
        logger.info("Worker stopping: no more fetching.", metadata: ["running": "\(inFlight.started.count)"])
        // The consumer may be inside a blocking fetch for up to `fetchTimeout`, or longer on a hung
        // Redis; wait for it without blocking this task's thread, and join it only once it is done.
        if await waitAtMost(remaining(), { await consumerFinished.wait() }) {
            consumer.join()
        } else {
            logger.warning("The consumer thread is stuck in a fetch (is Redis hung?); shutting down without it.")
        }

        await drainRunningJobs(until: stopRequestedAt + configuration.shutdownSeconds, deadline: deadline)
        runners.close()
        // Bounded: with Redis down, acknowledgements cannot be written and must not hold the exit.
        let flushLimit = min(remaining(), max(1, min(5, configuration.shutdownSeconds)))
        await waitAtMost(flushLimit) { await acknowledger.flush(givingUpAfter: flushLimit) }
        for task in housekeeping { task.cancel() }
        await waitAtMost(remaining()) { for task in housekeeping { await task.value } }
        let removed = await waitAtMost(remaining()) {
            do {
                try await self.backend.removeHeartbeat(of: self.identity)
            } catch {
                self.logger.warning("Could not remove the heartbeat; it expires by itself.", metadata: ["error": "\(error)"])
            }
        }
        if !removed { logger.warning("Shutdown reached its limit (the shutdown timeout, \(configuration.shutdownTimeout.secondsDescription), plus \(Int(Self.shutdownGrace)) s); exiting with the backend unanswered. Jobs not settled stay in the private list, and another worker recovers them once this worker's lease expires.") }
        return deadline
    }

    /// Says at start when a typed job's own queue is not among the queues served: its jobs would wait
    /// there while this worker (and `runUntilIdle()`) sees nothing to do.
    private func warnAboutUnservedQueues() {
        let served = Set(configuration.queues.names)
        for className in registry.classNames {
            guard let queue = registry.defaultQueue(for: className), !served.contains(queue) else { continue }
            logger.warning("Job class '\(className)' is pushed to queue '\(queue)', which this worker does not serve; its jobs will wait there. Add '\(queue)' to the worker's queues, or push the class to a served queue.", metadata: [
                "served": "\(configuration.queues.names.joined(separator: ","))",
            ])
        }
    }

    private func waitForStopRequest() async {
        await withCheckedContinuation { continuation in
            let alreadyStopped = lifecycle.withLock { state -> Bool in
                if state.phase.isStopRequested { return true }
                state.stopWaiter = continuation
                return false
            }
            if alreadyStopped { continuation.resume() }
        }
    }

    /// Waits for running jobs until `drainEnd` (the stop request plus the shutdown timeout), then cancels
    /// the rest and requeues them, giving up on the requeue at `deadline` (the jobs then stay in the
    /// private list for recovery).
    private func drainRunningJobs(until drainEnd: Double, deadline: Double) async {
        // An immediate stop (now or during the wait) ends the wait: `waitUntilEmpty` returns at once.
        await waitAtMost(drainEnd - MonotonicClock.now()) { await self.inFlight.waitUntilEmpty() }
        let unfinished = inFlight.snapshot
        guard !unfinished.isEmpty else { return }
        let reason = lifecycle.withLock { $0.phase.isImmediate } ? "Immediate shutdown (the worker's task was cancelled)" : "Shutdown timeout reached"
        logger.warning("\(reason); cancelling running jobs, which push their jobs back to their queues.", metadata: ["jobs": "\(unfinished.count)"])
        inFlight.cancelRuns()
        // Each cancelled run pushes its own job back as it ends (see `pushBack`), so a job is never both
        // acknowledged and requeued. A handler that ignores cancellation keeps its job in the private
        // list past the deadline, and recovery finds it once this worker's lease is gone.
        // Half the grace at most: acknowledging and removing the heartbeat (which frees the lease, so
        // recovery can start at once) need the rest.
        let settled = await waitAtMost(deadline - Self.shutdownGrace / 2 - MonotonicClock.now()) {
            await self.inFlight.waitUntilEmpty(evenIfAbandoned: true)
        }
        if !settled {
            logger.error("Some cancelled jobs did not end before the shutdown limit (their handlers ignore cancellation); they stay in this worker's private list and another worker recovers them.", metadata: ["jobs": "\(self.inFlight.count)"])
        }
    }
}

extension Worker: Service {}
