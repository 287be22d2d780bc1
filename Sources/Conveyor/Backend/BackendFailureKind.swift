/// How a worker treats an error from its backend.
public enum BackendFailureKind: Sendable, Equatable {
    /// The backend is away or busy (a dropped connection, a timeout, a server loading its data or
    /// failing over): retried with backoff, said once.
    case transient
    /// The backend answers but refuses, for a reason that may clear by itself (out of memory): retried,
    /// and said as an error every time it is still true.
    case lasting
    /// Retrying cannot fix it (the user lacks a permission, a Conveyor key holds the wrong type, scripts
    /// are disabled): said as an error; where the worker cannot work at all, it stops and exits 1.
    case fatal
}

/// An error that knows what kind of backend failure it is. Errors that do not conform count as
/// ``BackendFailureKind/lasting``.
public protocol BackendFailureClassifying: Error {
    /// What kind of failure this is.
    var backendFailureKind: BackendFailureKind { get }
}

extension BackendFailureKind {
    /// The kind of any error thrown by a backend.
    public static func of(_ error: any Error) -> BackendFailureKind {
        (error as? any BackendFailureClassifying)?.backendFailureKind ?? .lasting
    }
}
