import ConveyorSupport

/// Runs `operation` in a task of its own and waits for it at most `seconds`. Unlike a task group, which
/// always waits for its children, this returns at the deadline even when the operation is stuck in a
/// call that ignores cancellation (a request to a hung Redis), so a shutdown stays bounded; the
/// operation keeps running and its result is dropped. It does not depend on the calling task either:
/// in a cancelled task `Task.sleep` returns at once, and a loop around it would spin a core. Returns
/// whether the operation finished in time.
///
/// `executor` runs the operation and times the limit: by default the loop thread the caller runs on
/// (a worker's shutdown runs on its housekeeping thread, so its limits hold while the app keeps
/// Swift's global pool busy); nil, or a caller on no loop thread, means the global pool and `Task.sleep`.
@discardableResult
func waitAtMost(_ seconds: Double, on executor: LoopExecutor? = LoopExecutor.current, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    guard seconds > 0 else { return false }
    let waiter = Locked<(continuation: CheckedContinuation<Bool, Never>?, isDone: Bool)>((nil, false))
    // Resumes the caller exactly once: the operation and the timer race, the first one wins.
    @Sendable func finish(_ inTime: Bool) {
        let continuation = waiter.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.isDone else { return nil }
            state.isDone = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: inTime)
    }
    let timer = Locked<Task<Void, Never>?>(nil)
    let inTime = await withCheckedContinuation { continuation in
        // The continuation is in place before either racer starts, so neither can finish unheard.
        waiter.withLock { $0.continuation = continuation }
        timer.withLock {
            $0 = Task(executorPreference: executor) {
                try? await LoopExecutor.sleep(for: .seconds(min(seconds, 1e9)))
                finish(false)
            }
        }
        Task(executorPreference: executor) {
            await operation()
            finish(true)
        }
    }
    timer.withLock { $0?.cancel() }
    return inTime
}
