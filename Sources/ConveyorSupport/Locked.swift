import Synchronization

/// A value behind a mutex: a small, allocation-free wrapper used for state shared across threads.
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>

    /// Creates the lock around an initial value.
    public init(_ value: consuming sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        try mutex.withLock(body)
    }
}
