import ConveyorSupport
import Logging

/// Runs jobs from a backend: a consumer thread fetches them (never more than `concurrency` at once)
/// and schedules each handler on the worker's loop thread.
///
/// ```swift
/// let worker = Worker(backend: backend, registry: registry, configuration: .init(concurrency: 20))
/// try await worker.run()          // until stop(), SIGTERM handling in the app, or task cancellation
/// ```
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
    let lifecycle = Locked(Lifecycle())

    struct Lifecycle {
        var hasStarted = false
        var stopRequested = false
        var stopWaiter: CheckedContinuation<Void, Never>?
        var stopsWhenIdle = false
        var startedAt = 0.0
    }

    /// Creates a worker; nothing runs until ``run()``.
    public init(
        backend: any JobBackend,
        registry: JobRegistry,
        configuration: WorkerConfiguration = WorkerConfiguration(),
        identity: String = WorkerIdentity.make(),
        logger: Logger = Logger(label: "conveyor.worker")
    ) {
        self.backend = backend
        self.registry = registry
        self.configuration = configuration
        self.identity = identity
        self.logger = logger
        self.inFlight = InFlightJobs(concurrency: configuration.concurrency)
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

    /// Asks a running worker to shut down gracefully. Safe to call twice, and before ``run()``.
    public func stop() {
        let waiter = lifecycle.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopRequested = true
            defer { state.stopWaiter = nil }
            return state.stopWaiter
        }
        inFlight.stop()
        waiter?.resume()
    }

    /// Stops fetching new jobs while running ones finish; the worker stays up and keeps beating with
    /// `quiet=true` until ``stop()``. Sidekiq's `TSTP`. Safe to call twice.
    public func quiet() {
        guard !inFlight.hasStoppedFetching else { return }
        logger.info("Worker quiet: no more fetching; running jobs finish, the worker stays up until stopped.", metadata: ["running": "\(inFlight.count)"])
        inFlight.quiet()
    }

    /// Whether the worker has stopped fetching (quiet or stopping).
    public var isQuiet: Bool { inFlight.hasStoppedFetching }

    private func run(stopsWhenIdle: Bool) async throws {
        try lifecycle.withLock { state in
            guard !state.hasStarted else { throw WorkerError.alreadyStarted }
            state.hasStarted = true
            state.stopsWhenIdle = stopsWhenIdle
            state.startedAt = Clock.now()
        }
        let executor = LoopExecutor()
        let acknowledger = Acknowledger(backend: backend, executor: executor, logger: logger)
        await beatAndObeySignal()
        // Recover before the first fetch, so jobs a crashed worker left behind run in this pass.
        await recoverOrphanedJobs()
        let housekeeping = Task(executorPreference: executor) { await self.keepHousekeeping() }
        let poller = Task(executorPreference: executor) { await self.keepPromotingDueJobs() }
        logger.info("Worker started.", metadata: [
            "identity": "\(identity)", "queues": "\(configuration.queues.names.joined(separator: ","))",
            "concurrency": "\(configuration.concurrency)",
        ])

        let consumerDone = Locked<CheckedContinuation<Void, Never>?>(nil)
        let consumerFinished = Locked(false)
        let consumer = NamedThread.start(name: "conveyor-consumer") {
            // The fetcher is made and closed on this thread: its connection has one owner for life.
            do {
                let fetcher = try self.backend.makeFetcher(owner: self.identity, queues: self.configuration.queues.names)
                self.consume(with: fetcher, executor: executor, acknowledger: acknowledger)
                fetcher.close()
            } catch {
                self.logger.error("Could not start fetching; the worker stops.", metadata: ["error": "\(error)"])
                self.stop()
            }
            // Quiet ends fetching for good; in drain mode nothing else would end the run.
            if stopsWhenIdle { self.stop() }
            let waiter = consumerDone.withLock { waiter -> CheckedContinuation<Void, Never>? in
                consumerFinished.withLock { $0 = true }
                defer { waiter = nil }
                return waiter
            }
            waiter?.resume()
        }

        await withTaskCancellationHandler {
            await waitForStopRequest()
        } onCancel: {
            stop()
        }
        logger.info("Worker stopping: no more fetching.", metadata: ["running": "\(inFlight.count)"])
        // The consumer may be inside a blocking fetch for up to `fetchTimeout`; wait for it without
        // blocking this task's thread, then join (instant by then).
        await withCheckedContinuation { continuation in
            let finished = consumerDone.withLock { waiter -> Bool in
                if consumerFinished.withLock({ $0 }) { return true }
                waiter = continuation
                return false
            }
            if finished { continuation.resume() }
        }
        consumer.join()

        await drainRunningJobs()
        // Bounded: with Redis down, acknowledgements cannot be written and must not hold the exit.
        await acknowledger.flush(givingUpAfter: max(1, min(5, configuration.shutdownTimeout)))
        housekeeping.cancel()
        poller.cancel()
        await housekeeping.value
        await poller.value
        do {
            try await backend.removeHeartbeat(of: identity)
        } catch {
            logger.warning("Could not remove the heartbeat; it expires by itself.", metadata: ["error": "\(error)"])
        }
        executor.shutdown()
        logger.info("Worker stopped.", metadata: ["identity": "\(identity)"])
    }

    private func waitForStopRequest() async {
        await withCheckedContinuation { continuation in
            let alreadyStopped = lifecycle.withLock { state -> Bool in
                if state.stopRequested { return true }
                state.stopWaiter = continuation
                return false
            }
            if alreadyStopped { continuation.resume() }
        }
    }

    /// Waits for running jobs up to the shutdown timeout, then cancels the rest and requeues them.
    private func drainRunningJobs() async {
        let deadline = Clock.monotonic() + configuration.shutdownTimeout
        while inFlight.count > 0 && Clock.monotonic() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let unfinished = inFlight.snapshot
        guard !unfinished.isEmpty else { return }
        logger.warning("Shutdown timeout reached; cancelling running jobs and pushing them back to their queues.", metadata: ["jobs": "\(unfinished.count)"])
        for running in unfinished { running.task?.cancel() }
        do {
            try await backend.requeue(unfinished.map(\.fetched))
        } catch {
            logger.error("Could not requeue unfinished jobs; they stay in this worker's private list and another worker recovers them.", metadata: ["error": "\(error)"])
        }
    }
}

/// Misuse of a worker.
public enum WorkerError: Error, Sendable, CustomStringConvertible {
    /// `run()` was called twice.
    case alreadyStarted

    public var description: String {
        switch self {
        case .alreadyStarted: "This worker has already run; create a new Worker to run again."
        }
    }
}
