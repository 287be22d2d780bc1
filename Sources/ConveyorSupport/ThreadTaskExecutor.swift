#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The task executor that owns the calling thread, when one does (a worker's loop or housekeeping
/// thread): for code that starts an unstructured task and must keep it on that thread.
///
/// Why: `Task {}` keeps the caller's actor and priority but not its task executor preference, so a
/// task started that way from a worker's own thread would run on Swift's global pool instead, and
/// wait there whenever the app keeps that pool busy.
public enum ThreadTaskExecutor {
    /// The executor that owns the calling thread, or nil on any other thread.
    public static var current: (any TaskExecutor)? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<Owner>.fromOpaque(raw).takeUnretainedValue().executor
    }

    /// Runs `body`, the whole life of an executor's thread, with `executor` as the thread's owner.
    public static func run(owning executor: any TaskExecutor, _ body: () -> Void) {
        let owner = Unmanaged.passRetained(Owner(executor: executor))
        let outer = pthread_getspecific(key)
        pthread_setspecific(key, owner.toOpaque())
        defer {
            pthread_setspecific(key, outer)
            owner.release()
        }
        body()
    }

    private final class Owner {
        let executor: any TaskExecutor

        init(executor: any TaskExecutor) {
            self.executor = executor
        }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key, nil)
        precondition(result == 0, "pthread_key_create failed with error \(result)")
        return key
    }()
}
