import ConveyorSupport

/// Lets async code wait for a plain thread to finish, without blocking a thread of its own.
final class ThreadFinish: Sendable {
    private let state = Locked<(isFinished: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Called by the thread as its last step.
    func signal() {
        let waiters = state.withLock { state in
            state.isFinished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``signal()`` was called.
    func wait() async {
        await withCheckedContinuation { continuation in
            let isFinished = state.withLock { state -> Bool in
                if !state.isFinished { state.waiters.append(continuation) }
                return state.isFinished
            }
            if isFinished { continuation.resume() }
        }
    }
}
