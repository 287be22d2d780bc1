import Synchronization

/// A value behind a mutex: a small, allocation-free wrapper used for state shared across threads.
///
/// `@inlinable`, as the other hot wrappers here: called from another module, a generic method that is
/// not inlinable runs unspecialized, looking up type metadata at run time on every call, and the
/// worker takes these locks several times per job.
public final class Locked<Value: ~Copyable>: Sendable {
    @usableFromInline let mutex: Mutex<Value>

    /// Creates the lock around an initial value.
    public init(_ value: consuming sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        try mutex.withLock(body)
    }
}
