/// A value made once, by async work, for a whole test process or suite: servers several tests share,
/// such as the TLS suites' four redis-servers or the test CA. A `static let` cannot await, and making
/// these synchronously slept on one of the cooperative pool's few threads, stalling every other
/// test's tasks meanwhile.
///
/// Kept in a `static let`, which Swift initializes on first use: the work starts then, in a detached
/// task (no test's task-locals or priority), and every caller awaits the same outcome. A failure is
/// kept too: each caller gets the same error, as with a `static let` of a `Result`.
public final class StartedOnce<Value: Sendable>: Sendable {
    private let task: Task<Value, any Error>

    /// Starts `make` at once; ``value()`` waits for it.
    public init(_ make: @escaping @Sendable () async throws -> Value) {
        task = Task.detached { try await make() }
    }

    /// The value, or the error making it threw.
    public func value() async throws -> Value {
        try await task.value
    }
}
