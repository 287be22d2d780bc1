/// A value made once, by async work, on first use: servers a whole suite shares, such as the TLS
/// suites' four redis-servers. A `static let` cannot await, and starting servers synchronously slept
/// on one of the cooperative pool's few threads, stalling every other test's tasks meanwhile.
public final class StartedOnce<Value: Sendable>: Sendable {
    private let task: Task<Value, any Error>

    /// Starts `make` at once, on the global executor; ``value()`` waits for it.
    public init(_ make: @escaping @Sendable () async throws -> Value) {
        task = Task { try await make() }
    }

    /// The value, or the error making it threw (every caller gets the same one).
    public func value() async throws -> Value {
        try await task.value
    }
}
