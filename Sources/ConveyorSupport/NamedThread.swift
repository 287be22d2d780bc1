#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable OS thread with a name that shows up in `top -H`, `gdb` and crash reports.
///
/// Conveyor runs blocking work (a hiredis call, a `BLMOVE`) on threads it owns so that Swift's
/// cooperative pool is never blocked; this type gives those threads names and an orderly `join()`.
public final class NamedThread: @unchecked Sendable {
    // Safe to share: `handle` is written once before `start` returns and only read by `join` and
    // `detach`, which `joinState` lets run once between them.
    private var handle = pthread_t()
    private let joinState = Locked(false)

    /// The thread's name, at most 15 bytes of it are visible to the OS.
    public let name: String

    private init(name: String) {
        self.name = name
    }

    /// Starts `body` on a new thread named `name`.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) -> NamedThread {
        let thread = NamedThread(name: name)
        let box = Unmanaged.passRetained(ThreadBody(name: name, body: body))
        let result = pthread_create(&thread.handle, nil, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            setCurrentThreadName(body.name)
            body.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed for thread \(name) with error \(result)")
        return thread
    }

    /// Waits for the thread to finish. Calling it again, or from several threads, is harmless.
    public func join() {
        let shouldJoin = joinState.withLock { joined -> Bool in
            defer { joined = true }
            return !joined
        }
        if shouldJoin {
            pthread_join(handle, nil)
        }
    }

    /// Lets the thread end on its own, never joined: for an owner dropped without a shutdown (a
    /// `deinit`), which must not block its caller until the thread's current call returns. Calling
    /// ``join()`` afterwards, or this again, does nothing.
    public func detach() {
        let shouldDetach = joinState.withLock { joined -> Bool in
            defer { joined = true }
            return !joined
        }
        if shouldDetach {
            pthread_detach(handle)
        }
    }

    /// Whether the caller is running on this thread.
    public var isCurrent: Bool {
        pthread_equal(pthread_self(), handle) != 0
    }
}

private final class ThreadBody {
    let name: String
    let body: @Sendable () -> Void
    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// Names the calling thread through `/proc`: Glibc's `pthread_setname_np` is not visible to Swift
/// without `_GNU_SOURCE`, and `prctl` is variadic.
private func setCurrentThreadName(_ name: String) {
    #if os(Linux)
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    #endif
}
