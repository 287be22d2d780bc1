import ConveyorSupport

/// Runs `operation` in a task of its own and waits for it at most `seconds`. Unlike a task group, which
/// always waits for its children, this returns at the deadline even when the operation is stuck in a
/// call that ignores cancellation (a request to a hung Redis), so a shutdown stays bounded; the
/// operation keeps running and its result is dropped. It does not depend on the calling task either:
/// in a cancelled task `Task.sleep` returns at once, and a loop around it would spin a core. Returns
/// whether the operation finished in time.
@discardableResult
func waitAtMost(_ seconds: Double, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    guard seconds > 0 else { return false }
    let waiter = Locked<(continuation: CheckedContinuation<Bool, Never>?, timer: Task<Void, Never>?)>((nil, nil))
    // Resumes the caller exactly once: the operation and the timer race, the first one wins.
    @Sendable func finish(_ inTime: Bool) {
        let (continuation, timer) = waiter.withLock { state in
            defer { state = (nil, nil) }
            return state
        }
        timer?.cancel()
        continuation?.resume(returning: inTime)
    }
    return await withCheckedContinuation { continuation in
        let timer = Task {
            try? await Task.sleep(for: .seconds(min(seconds, 1e9)))
            finish(false)
        }
        waiter.withLock { $0 = (continuation, timer) }
        Task {
            await operation()
            finish(true)
        }
    }
}
