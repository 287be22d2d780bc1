import ConveyorSupport
import Logging

/// Group-commits acknowledgements: jobs that finish while one round trip is in flight are removed
/// from the private list together in the next, with the processed/failed counters in the same
/// pipeline. At high throughput that is one round trip for dozens of jobs; when idle, a finished job
/// is acknowledged at once.
final class Acknowledger: Sendable {
    private struct State {
        var pending: [FetchedJob] = []
        /// The batch whose acknowledgement is on its way to the backend.
        var writing: [FetchedJob] = []
        var delta = StatisticsDelta()
        var flushTask: Task<Void, Never>?
        /// Set by a shutdown flush: past this monotonic time, failed writes are given up.
        var giveUpAt = Double.infinity
    }

    private let state = Locked(State())
    private let backend: any JobBackend
    private let executor: LoopExecutor
    private let logger: Logger
    private let faults: BackendFaultLog
    /// Called when the backend refuses acknowledgements for good: the worker cannot work then.
    private let onFatalFailure: @Sendable (WorkerError) -> Void

    init(backend: any JobBackend, executor: LoopExecutor, logger: Logger, onFatalFailure: @escaping @Sendable (WorkerError) -> Void = { _ in }) {
        self.backend = backend
        self.executor = executor
        self.logger = logger
        self.faults = BackendFaultLog(activity: "Acknowledging finished jobs", logger: logger)
        self.onFatalFailure = onFatalFailure
    }

    /// Records a finished run: `job` is removed from the private list (nil when another path already
    /// moved it), and the counters grow.
    func record(_ job: FetchedJob?, failed: Bool) {
        state.withLock { state in
            if let job { state.pending.append(job) }
            state.delta.processed += 1
            if failed { state.delta.failed += 1 }
            if state.flushTask == nil {
                state.flushTask = Task(executorPreference: executor) { await self.flushUntilEmpty() }
            }
        }
    }

    /// Finished jobs still in the private list: recorded, or being acknowledged right now.
    var unacknowledged: [FetchedJob] {
        state.withLock { $0.pending + $0.writing }
    }

    /// Waits until everything recorded so far is written, or, while the backend is unreachable, until
    /// `seconds` have passed: a shutdown must not hang on Redis. Acknowledgements given up leave their
    /// jobs in the private list, so they run again after recovery (at least once, never lost).
    func flush(givingUpAfter seconds: Double = .infinity) async {
        state.withLock { $0.giveUpAt = MonotonicClock.now() + seconds }
        while let task = state.withLock({ $0.flushTask }) {
            await task.value
        }
    }

    private func flushUntilEmpty() async {
        var backoff = RetryBackoff()
        while true {
            let batch = state.withLock { state -> ([FetchedJob], StatisticsDelta)? in
                if state.pending.isEmpty && state.delta.isEmpty {
                    state.flushTask = nil
                    return nil
                }
                state.writing = state.pending
                defer {
                    state.pending.removeAll(keepingCapacity: true)
                    state.delta = StatisticsDelta()
                }
                return (state.pending, state.delta)
            }
            guard let (jobs, delta) = batch else { return }
            do {
                try await backend.acknowledge(jobs, statistics: delta)
                state.withLock { $0.writing = [] }
                faults.succeeded()
                backoff.reset()
            } catch {
                if faults.failed(error, then: "retrying with backoff; the jobs stay safe in the private list meanwhile") == .fatal {
                    onFatalFailure(.backendRefused(activity: "Acknowledging finished jobs", reason: "\(error)"))
                }
                let givenUp = state.withLock { state -> Bool in
                    state.writing = []
                    if MonotonicClock.now() >= state.giveUpAt {
                        state.pending.removeAll()
                        state.delta = StatisticsDelta()
                        state.flushTask = nil
                        return true
                    }
                    state.pending.insert(contentsOf: jobs, at: 0)
                    state.delta.processed += delta.processed
                    state.delta.failed += delta.failed
                    return false
                }
                if givenUp {
                    logger.error("Shutting down without acknowledging finished jobs: the backend is unreachable. They stay in the private list and run again after recovery.", metadata: ["jobs": "\(jobs.count)"])
                    return
                }
                try? await LoopExecutor.sleep(for: .seconds(backoff.nextDelay()))
            }
        }
    }
}
