import ConveyorSupport
import DequeModule

/// The loop thread's job runners: up to `concurrency` long-lived tasks that take fetched jobs from an
/// inbox, one after another.
///
/// Why not a task per job: creating a task, enqueueing it on the loop thread and freeing it cost more
/// than running a small job. A runner whose job never suspends takes the next job at once, so a burst
/// of short jobs runs as one stretch of the loop thread with no hand-off per job; a job that suspends
/// (a Redis call) leaves its runner waiting, and a spare runner takes the next job, so up to
/// `concurrency` jobs wait at once, as they did with a task each. The consumer thread hands over a
/// whole fetched batch under one lock and wakes at most one runner for it; each runner that takes a
/// job wakes the next spare only while jobs are left and no spare is already on its way.
///
/// A running job's runner is recorded in ``InFlightJobs``, so shutdown and `conveyor cancel` cancel
/// the runner's task. Cancellation cannot be undone, so a runner whose job was cancelled ends after
/// that job and a fresh runner takes its place.
final class JobRunners: Sendable {
    /// Runs one job in its slot on the given runner; provided by the worker.
    typealias Run = nonisolated(nonsending) @Sendable (_ item: Item, _ runner: JobRunner) async -> Void

    /// A fetched job in its slot, with its payload already parsed: the consumer thread parses each
    /// batch before handing it over, so the loop thread, the busier of the two, only runs jobs.
    struct Item: Sendable {
        let fetched: FetchedJob
        let slot: Int
        let parsed: Result<Job, JobDecodingError>
    }

    private enum Spare {
        case wake(CheckedContinuation<Bool, Never>)
        case start(JobRunner)
    }

    private struct State {
        var inbox = Deque<Item>()
        /// Runners waiting for a job; resumed with false when the runners close.
        var idle: [CheckedContinuation<Bool, Never>] = []
        /// Runners alive, idle or busy.
        var count = 0
        /// A runner was woken or started for the inbox and has not looked at it yet: no other is woken
        /// meanwhile, so a burst of jobs that never suspend wakes one spare, not one runner per job.
        var isSparePending = false
        var isClosed = false
        /// Jobs the runners have finished, for the consumer thread to release (see ``deliver(_:)``).
        var spent: [Item] = []

        /// An idle runner to wake, or a new one while fewer than `limit` live, for the inbox's next job.
        mutating func spare(limit: Int) -> Spare? {
            guard !isSparePending, !inbox.isEmpty else { return nil }
            if let waiting = idle.popLast() {
                isSparePending = true
                return .wake(waiting)
            }
            guard count < limit else { return nil }
            count += 1
            isSparePending = true
            return .start(JobRunner())
        }
    }

    /// A runner yields the loop thread after this many jobs in a row that did not suspend, so
    /// acknowledgements and replies queued behind it are not held up by a long burst.
    static let streakLength = 64

    private let state = Locked(State())
    private let concurrency: Int
    private let executor: LoopExecutor
    private let run: Run

    init(concurrency: Int, executor: LoopExecutor, run: @escaping Run) {
        self.concurrency = concurrency
        self.executor = executor
        self.run = run
    }

    /// Hands fetched jobs, already counted in their slots, to the runners: called by the consumer thread.
    ///
    /// It takes back the jobs the runners have finished since, and releases them here: their parsed
    /// fields were allocated on this thread, and memory freed on another thread than the one that
    /// allocated it goes back to this thread's malloc arena under that arena's lock, which the two
    /// threads then fought over for every job.
    func deliver(_ items: some Sequence<Item>) {
        var spent: [Item] = []
        let spare = state.withLock { state -> Spare? in
            state.inbox.append(contentsOf: items)
            swap(&spent, &state.spent)
            return state.spare(limit: concurrency)
        }
        activate(spare)
        spent.removeAll()
    }

    /// Releases the finished jobs on the calling thread, the consumer's, when a fetch brought nothing
    /// to deliver: an idle worker holds its last jobs' payloads no longer than one fetch.
    func releaseSpent() {
        var spent: [Item] = []
        state.withLock { state in swap(&spent, &state.spent) }
        spent.removeAll()
    }

    /// Ends every idle runner, and each busy one once the inbox is empty: called once the consumer has
    /// stopped and running jobs were drained, before the loop thread is shut down.
    func close() {
        let idle = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.isClosed = true
            defer { state.idle = [] }
            return state.idle
        }
        for runner in idle { runner.resume(returning: false) }
    }

    private func activate(_ spare: Spare?) {
        switch spare {
        case .wake(let continuation)?:
            continuation.resume(returning: true)
        case .start(let runner)?:
            runner.set(Task(executorPreference: executor) { await self.loop(runner) })
        case nil:
            break
        }
    }

    private func loop(_ runner: JobRunner) async {
        var wasWoken = true
        var streak = 0
        var finished: Item?
        while let item = await next(wasWoken: &wasWoken, handingBack: &finished) {
            await run(item, runner)
            finished = item
            if runner.isCancelled || Task.isCancelled {
                retire()
                return
            }
            streak += 1
            if streak == Self.streakLength {
                streak = 0
                await Task.yield()
            }
        }
        state.withLock { $0.count -= 1 }
    }

    /// The next job, waiting for one while the inbox is empty; nil once the runners are closed.
    nonisolated(nonsending) private func next(wasWoken: inout Bool, handingBack finished: inout Item?) async -> Item? {
        while true {
            let woken = wasWoken
            wasWoken = false
            let (item, spare, isClosed) = state.withLock { state -> (Item?, Spare?, Bool) in
                if woken { state.isSparePending = false }
                if let spent = finished {
                    state.spent.append(spent)
                    finished = nil
                }
                guard let item = state.inbox.popFirst() else { return (nil, nil, state.isClosed) }
                return (item, state.spare(limit: concurrency), false)
            }
            activate(spare)
            if let item { return item }
            if isClosed { return nil }
            let isOpen = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Resumed once: here when work or a close came meanwhile, else by `deliver`, `next` or `close`.
                let now = state.withLock { state -> Bool? in
                    if state.isClosed { return false }
                    if !state.inbox.isEmpty { return true }
                    state.idle.append(continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
            guard isOpen else { return nil }
            wasWoken = true
        }
    }

    /// Ends a runner whose job was cancelled, starting a spare when jobs are left for it.
    private func retire() {
        let spare = state.withLock { state -> Spare? in
            state.count -= 1
            return state.spare(limit: concurrency)
        }
        activate(spare)
    }
}
