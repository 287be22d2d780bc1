import ConveyorSupport

/// The worker's dedicated event-loop thread, as a Swift executor: every handler task runs on this one
/// OS thread, and resumes on it after each `await` (a `Task.sleep`, a Redis call).
///
/// This is the Swift counterpart of running coroutines on an asyncio loop in its own thread: the
/// consumer thread schedules each job with `Task(executorPreference: loop)`, which enqueues the task's
/// first job here. It is a `TaskExecutor`, so the whole task, including nonisolated async functions it
/// calls, stays here. It is also a `SerialExecutor`, but jobs run on it as a task executor only, with
/// no actor isolation: run isolated to the serial executor, every call from a task into a nonisolated
/// async function (the worker's `process`, a handler, the Redis client) was a switch away from that
/// isolation, which the runtime does by enqueueing the task here again, a lock and a trip through the
/// queue for each call.
public final class LoopExecutor: TaskExecutor, SerialExecutor, @unchecked Sendable {
    // Safe to share: `queue` is a lock; `thread` is set once in `init` before any use.
    private let queue = ConditionLock(LoopQueue())
    private let exited = ThreadFinish()
    private var thread: NamedThread!

    /// Starts the loop thread.
    public init(name: String = "conveyor-loop") {
        thread = NamedThread.start(name: name) { [self] in runLoop() }
    }

    /// Accepts a job from the Swift runtime; called from any thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.withLockThenWake { state in
            state.jobs.append(unowned)
            return ((), state.isSleeping)
        }
    }

    /// The executor as a serial executor reference.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Whether the caller runs on the loop thread.
    public var isCurrent: Bool { thread.isCurrent }

    /// Stops the thread once the jobs already queued have run, and joins it. Safe to call twice.
    public func shutdown() {
        queue.withLockThenBroadcast { $0.isStopping = true }
        if !thread.isCurrent { thread.join() }
    }

    /// Asks the thread to stop once the jobs already queued have run, and waits for that without
    /// holding a thread, at most `seconds`: a handler that never returns (it ignores cancellation and
    /// keeps the thread) must not hold a shutdown forever. Joins the thread when it stopped in time and
    /// returns whether it did; otherwise the thread is left to end with its job.
    func shutdown(waitingAtMost seconds: Double) async -> Bool {
        queue.withLockThenBroadcast { $0.isStopping = true }
        guard await waitAtMost(seconds, { await self.exited.wait() }) else { return false }
        thread.join()
        return true
    }

    private func runLoop() {
        defer { exited.signal() }
        var batch: [UnownedJob] = []
        while true {
            let isStopping = queue.withLock { state -> Bool? in
                guard !state.jobs.isEmpty || state.isStopping else {
                    state.isSleeping = true
                    return nil
                }
                swap(&batch, &state.jobs)
                return state.isStopping
            } ?? queue.wait(until: { !$0.jobs.isEmpty || $0.isStopping }, timeout: nil) { state in
                state.isSleeping = false
                swap(&batch, &state.jobs)
                return state.isStopping
            }
            if batch.isEmpty && isStopping { return }
            for job in batch {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

struct LoopQueue {
    var jobs: [UnownedJob] = []
    var isStopping = false
    /// Whether the loop thread is (about to be) asleep and needs a wake-up for new jobs.
    var isSleeping = false
}
