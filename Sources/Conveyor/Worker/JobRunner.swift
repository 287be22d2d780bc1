import ConveyorSupport

/// One of ``JobRunners``' tasks, as the handle that cancels the job it runs.
///
/// The task is created on the consumer thread and may take its first job before ``set(_:)`` stores
/// it: a cancel that comes first is remembered, applied to the task once stored, and seen by the
/// runner through ``isCancelled``, which ends it after that job.
final class JobRunner: Sendable {
    private let state = Locked<(task: Task<Void, Never>?, isCancelled: Bool)>((nil, false))

    /// Stores the runner's task, cancelling it at once when a cancel came first.
    func set(_ task: Task<Void, Never>) {
        let isCancelled = state.withLock { state in
            state.task = task
            return state.isCancelled
        }
        if isCancelled { task.cancel() }
    }

    /// Cancels the runner's task, and with it the job it runs; the runner ends after that job.
    func cancel() {
        let task = state.withLock { state in
            state.isCancelled = true
            return state.task
        }
        task?.cancel()
    }

    /// Whether ``cancel()`` was called.
    var isCancelled: Bool { state.withLock { $0.isCancelled } }
}
