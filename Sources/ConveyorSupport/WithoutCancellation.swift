/// Runs `operation` in a task that the caller's cancellation does not reach, and waits for it.
///
/// A job's task is cancelled to stop its handler (`conveyor cancel`, a shutdown); the bookkeeping
/// after the handler returns (forgetting the cancel mark, freeing a concurrency slot, unmarking a
/// suspect, pushing a cancelled job back) must still reach the backend, and the Redis client fails a
/// cancelled task's request at once. Likewise a script that moves jobs must report what it moved to a
/// worker that is stopping. The unstructured task keeps the caller's priority and, on a worker's own
/// thread, that thread (see ``ThreadTaskExecutor``), but not its cancellation.
public func withoutCancellation<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await Task(executorPreference: ThreadTaskExecutor.current) { try await operation() }.value
}
