import ConveyorSupport

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
/// the runner's task; the runners' own state lives under the same lock (see ``RunnerInbox``).
/// Cancellation cannot be undone, so a runner whose job was cancelled ends after that job and a fresh
/// runner takes its place.
final class JobRunners: Sendable {
    /// Runs one job in its slot on the given runner; provided by the worker.
    typealias Run = nonisolated(nonsending) @Sendable (_ item: Item, _ runner: JobRunner) async -> Void

    /// A fetched job in its slot, with its payload already read (``Job/init(outlining:)``): the
    /// consumer thread reads each batch before handing it over, so the loop thread only runs jobs.
    struct Item: Sendable {
        let fetched: FetchedJob
        let slot: Int
        let parsed: Result<Job, JobDecodingError>
    }

    /// A runner yields the loop thread after this many jobs in a row that did not suspend, so
    /// acknowledgements and replies queued behind it are not held up by a long burst.
    static let streakLength = 64

    private typealias Spare = RunnerInbox.Spare

    /// Holds the runners' state (``RunnerInbox``) under its lock, beside the slots.
    private let inFlight: InFlightJobs
    private let concurrency: Int
    private let executor: LoopExecutor
    private let run: Run

    init(inFlight: InFlightJobs, executor: LoopExecutor, run: @escaping Run) {
        self.inFlight = inFlight
        self.concurrency = inFlight.concurrency
        self.executor = executor
        self.run = run
    }

    /// Counts a fetched batch as running, each job in a slot of its own, and hands it to the runners:
    /// called by the consumer thread, with each payload as it read it.
    ///
    /// It takes back the jobs the runners have finished since, and releases them here: what was read
    /// of them was allocated on this thread, and memory freed on another thread than the one that
    /// allocated it goes back to this thread's malloc arena under that arena's lock, which the two
    /// threads then fought over for every job.
    ///
    /// Returns false, taking nothing, once the worker has stopped fetching (quiet or stopping): the
    /// caller pushes the batch back, as it does the jobs ``takeWaiting()`` returns.
    func start(_ jobs: [FetchedJob], parsed: [Result<Job, JobDecodingError>]) -> Bool {
        let now = WallClock.now()
        var spent: [Item] = []
        var isRefused = false
        let spare = inFlight.state.withLock { state -> Spare? in
            if state.hasStoppedFetching {
                isRefused = true
                return nil
            }
            for (fetched, parsed) in zip(jobs, parsed) {
                let slot = state.add(fetched, job: nil, startedAt: now)
                state.runners.inbox.append(Item(fetched: fetched, slot: slot, parsed: parsed))
            }
            swap(&spent, &state.runners.spent)
            return state.runners.spare(limit: concurrency)
        }
        activate(spare)
        spent.removeAll()
        return !isRefused
    }

    /// Takes the jobs still waiting in the inbox for a runner (fetched ahead, never started); their
    /// slots stay held until the caller frees them. Called once the worker has stopped fetching: a
    /// quiet or stopping worker starts no new job, and these go back to their queues.
    func takeWaiting() -> [Item] {
        inFlight.state.withLock { state in
            defer { state.runners.inbox.removeAll() }
            return Array(state.runners.inbox)
        }
    }

    /// Releases the finished jobs on the calling thread, the consumer's, when a fetch brought nothing
    /// to deliver: an idle worker holds its last jobs' payloads no longer than one fetch.
    func releaseSpent() {
        var spent: [Item] = []
        inFlight.state.withLock { state in swap(&spent, &state.runners.spent) }
        spent.removeAll()
    }

    /// Ends every idle runner, and each busy one once the inbox is empty: called once the consumer has
    /// stopped and running jobs were drained, before the loop thread is shut down.
    func close() {
        let idle = inFlight.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.runners.isClosed = true
            defer { state.runners.idle = [] }
            return state.runners.idle
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
        // The job just run, whose slot the next call to `next` frees: one lock for both.
        var finished: Item?
        while let item = await next(wasWoken: &wasWoken, finishing: &finished, on: runner) {
            await run(item, runner)
            if runner.isCancelled || Task.isCancelled {
                inFlight.finish(item.slot)
                retire()
                return
            }
            finished = item
            streak += 1
            if streak == Self.streakLength {
                streak = 0
                await Task.yield()
            }
        }
        inFlight.state.withLock { $0.runners.count -= 1 }
    }

    /// Frees the slot of the `finished` job (handing the job back for release) and returns the next
    /// job, recorded as run by `runner`; waits for one while the inbox is empty; nil once the runners
    /// are closed.
    nonisolated(nonsending) private func next(wasWoken: inout Bool, finishing finished: inout Item?, on runner: JobRunner) async -> Item? {
        while true {
            let woken = wasWoken
            wasWoken = false
            let (item, spare, isClosed, emptyWaiters) = inFlight.state.withLockThenWake { state in
                if woken { state.runners.isSparePending = false }
                var freed = InFlightJobs.Freed()
                if let done = finished {
                    freed = state.finish(done.slot, concurrency: concurrency)
                    state.runners.spent.append(done)
                    finished = nil
                }
                guard let item = state.runners.inbox.popFirst() else {
                    return (result: (Item?.none, Spare?.none, state.runners.isClosed, freed.emptyWaiters), wake: freed.wakesConsumer)
                }
                state.begin(item.slot, on: runner)
                return (result: (item, state.runners.spare(limit: concurrency), false, freed.emptyWaiters), wake: freed.wakesConsumer)
            }
            for waiter in emptyWaiters { waiter.resume() }
            activate(spare)
            if let item { return item }
            if isClosed { return nil }
            let isOpen = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Resumed once: here when work or a close came meanwhile, else by `start`, `next` or `close`.
                let now = inFlight.state.withLock { state -> Bool? in
                    if state.runners.isClosed { return false }
                    if !state.runners.inbox.isEmpty { return true }
                    state.runners.idle.append(continuation)
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
        let spare = inFlight.state.withLock { state -> Spare? in
            state.runners.count -= 1
            return state.runners.spare(limit: concurrency)
        }
        activate(spare)
    }
}
