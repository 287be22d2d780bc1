import ConveyorSupport

/// Lets one task at a time through, in the order they arrive: the worker runs jobs recovered from a
/// crash one at a time through it, so a poison pill among them is the only one running when it kills
/// its worker. Waiting costs no thread.
final class SerialGate: Sendable {
    private struct State {
        var isTaken = false
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID = 0
    }

    private let state = Locked(State())

    /// Waits for the gate and takes it; returns false, without taking it, when the task is cancelled
    /// while waiting (a shutdown), so the caller does not run its job.
    func enter() async -> Bool {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock: a cancellation that came before this point found no waiter to
                // resume, so it must be seen here.
                let answer = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    if !state.isTaken {
                        state.isTaken = true
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Hands the gate to the next waiter, or opens it.
    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiters.isEmpty else {
                state.isTaken = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
