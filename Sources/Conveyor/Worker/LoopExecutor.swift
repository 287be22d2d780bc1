import ConveyorSupport
import Synchronization

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
///
/// It keeps its own clock too (``sleep(for:)``): `Task.sleep` wakes through Swift's global pool even
/// in a task on this thread, so a worker's heartbeat, its shutdown limits and its jobs' timeouts
/// would all wait whenever the app keeps that pool busy.
public final class LoopExecutor: TaskExecutor, SerialExecutor, @unchecked Sendable {
    // Safe to share: `queue` is a lock; `thread` is set once in `init` before any use.
    private let queue = ConditionLock(LoopQueue())
    private let exited = ThreadFinish()
    private var thread: NamedThread!
    private let nextTimerID = Atomic<UInt64>(0)

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

    /// The executor whose thread the caller runs on, if it runs on one.
    static var current: LoopExecutor? {
        ThreadTaskExecutor.current as? LoopExecutor
    }

    /// Sleeps as `Task.sleep(for:)` does (a cancelled task's sleep ends at once, throwing
    /// `CancellationError`), but on a loop thread the wake-up comes from that thread, never from
    /// Swift's global pool: what every sleep of a worker's own tasks uses.
    static func sleep(for duration: Duration) async throws {
        if let loop = current {
            try await loop.sleep(seconds: duration.inSeconds)
        } else {
            try await Task.sleep(for: duration)
        }
    }

    /// Suspends the calling task for `seconds`, timed by this executor's thread.
    func sleep(seconds: Double) async throws {
        let id = nextTimerID.wrappingAdd(1, ordering: .relaxed).oldValue
        // Capped: a longer sleep (a huge interval) is as good as forever, and stays a finite time.
        let deadline = MonotonicClock.now() + min(max(0, seconds), 1e9)
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: LoopTimers.Continuation) in
                // Checked under the lock, as the cancellation handler's removal is: a handler that ran
                // before this found no timer, so the cancellation must be seen here.
                let isCancelled = queue.withLockThenWake { state -> (result: Bool, wake: Bool) in
                    if Task.isCancelled { return (true, false) }
                    state.timers.insert(deadline: deadline, id: id, continuation: continuation)
                    state.timersChanged = true
                    return (false, state.isSleeping)
                }
                if isCancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let continuation = queue.withLock { $0.timers.remove(id) }
            continuation?.resume(throwing: CancellationError())
        }
    }

    private func runLoop() {
        defer { exited.signal() }
        ThreadTaskExecutor.run(owning: self) {
            var batch: [UnownedJob] = []
            var dueTimers: [LoopTimers.Continuation] = []
            while true {
                var sleepDeadline: Double?
                let isStopping = queue.withLock { state -> Bool? in
                    if !state.timers.isEmpty { state.timers.takeDue(at: MonotonicClock.now(), into: &dueTimers) }
                    guard !state.jobs.isEmpty || state.isStopping || !dueTimers.isEmpty else {
                        state.isSleeping = true
                        state.timersChanged = false
                        sleepDeadline = state.timers.nextDeadline()
                        return nil
                    }
                    swap(&batch, &state.jobs)
                    return state.isStopping
                } ?? queue.wait(
                    // A sleep added meanwhile may end sooner than the one this wait times.
                    until: { !$0.jobs.isEmpty || $0.isStopping || $0.timersChanged },
                    timeout: sleepDeadline.map { $0 - MonotonicClock.now() }
                ) { state in
                    state.isSleeping = false
                    if !state.timers.isEmpty { state.timers.takeDue(at: MonotonicClock.now(), into: &dueTimers) }
                    swap(&batch, &state.jobs)
                    return state.isStopping
                }
                // Their tasks come back through `enqueue`, to run in the next turn.
                for timer in dueTimers { timer.resume() }
                dueTimers.removeAll(keepingCapacity: true)
                if batch.isEmpty && isStopping { return }
                for job in batch {
                    job.runSynchronously(on: asUnownedTaskExecutor())
                }
                batch.removeAll(keepingCapacity: true)
            }
        }
    }
}

struct LoopQueue {
    var jobs: [UnownedJob] = []
    var isStopping = false
    /// Whether the loop thread is (about to be) asleep and needs a wake-up for new jobs.
    var isSleeping = false
    /// Sleeps of the tasks on this thread (see ``LoopExecutor/sleep(for:)``).
    var timers = LoopTimers()
    /// Set when a sleep is added: a sleeping loop thread must time its wait again.
    var timersChanged = false
}
