/// A run took longer than its job class's ``JobOptions/timeout``; it counts as a failure.
public struct JobTimeoutError: Error, Sendable, CustomStringConvertible {
    /// The limit that was exceeded.
    public let timeout: Duration

    /// Creates the error.
    public init(timeout: Duration) {
        self.timeout = timeout
    }

    public var description: String {
        "Job exceeded its timeout of \(timeout.secondsDescription)"
    }
}
