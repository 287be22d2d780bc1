#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a mutex plus a condition variable, for threads that must sleep until the value
/// changes (a consumer waiting for a free slot, a connection thread waiting for requests).
///
/// Swift's `Mutex` cannot wait, so this wraps `pthread_cond_t` on the monotonic clock: a wall-clock
/// jump must not make a 2-second fetch wait for an hour.
public final class ConditionLock<State>: @unchecked Sendable {
    // Safe to share: `state` is only touched with `mutex` held. Inlinable (see `Locked`): the worker
    // takes these locks on every job, from other modules.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline let condition: UnsafeMutablePointer<pthread_cond_t>
    @usableFromInline var state: State

    /// Creates the lock around an initial state.
    public init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        // Adaptive: a thread that finds the lock taken spins briefly before sleeping. The worker's
        // consumer and loop threads take the same locks for a few hundred nanoseconds at a time, and
        // a sleep and wake-up on the futex costs several microseconds on each side.
        var mutexAttributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&mutexAttributes)
        #if canImport(Glibc)
        pthread_mutexattr_settype(&mutexAttributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        #endif
        pthread_mutex_init(mutex, &mutexAttributes)
        pthread_mutexattr_destroy(&mutexAttributes)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the lock held, then wakes every waiter so they re-check their condition.
    @discardableResult
    @inlinable
    public func withLockThenBroadcast<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&state)
    }

    /// Runs `body` with the lock held and wakes the waiters only when it returns `wake == true`: on hot
    /// paths a wake-up nobody needs costs a futex call and a context switch.
    ///
    /// The wake comes after the unlock: a waiter woken while the lock is still held runs at once on
    /// the other core, finds the lock taken and goes back to sleep on it, a second pair of futex
    /// calls for nothing. Every waiter re-checks its condition under the lock, so the later wake
    /// loses no update.
    @discardableResult
    @inlinable
    public func withLockThenWake<R>(_ body: (inout State) throws -> (result: R, wake: Bool)) rethrows -> R {
        pthread_mutex_lock(mutex)
        let result: R
        let wake: Bool
        do {
            (result, wake) = try body(&state)
        } catch {
            pthread_mutex_unlock(mutex)
            throw error
        }
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_broadcast(condition) }
        return result
    }

    /// Runs `body` with the lock held, without waking anyone.
    @inlinable
    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Sleeps until `isReady(state)` holds or `timeout` seconds pass (nil: no limit), then runs `body`
    /// with the lock held. `body` learns whether the wait timed out by checking the state itself.
    @inlinable
    public func wait<R>(
        until isReady: (State) -> Bool,
        timeout: Double?,
        then body: (inout State) throws -> R
    ) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let timeout {
            #if canImport(Darwin)
            // Darwin's condition variables cannot be set to the monotonic clock, and read an absolute
            // deadline as wall-clock time: wait by the relative time left instead.
            let deadline = MonotonicClock.now() + max(0, timeout)
            while !isReady(state) {
                let left = deadline - MonotonicClock.now()
                guard left > 0 else { break }
                let whole = Int(left)
                var relative = timespec(tv_sec: whole, tv_nsec: Int((left - Double(whole)) * 1_000_000_000))
                if pthread_cond_timedwait_relative_np(condition, mutex, &relative) == ETIMEDOUT {
                    break
                }
            }
            #else
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let seconds = max(0, timeout)
            let whole = Int(seconds)
            var nanoseconds = Int(deadline.tv_nsec) + Int((seconds - Double(whole)) * 1_000_000_000)
            var total = Int(deadline.tv_sec) + whole
            if nanoseconds >= 1_000_000_000 {
                total += 1
                nanoseconds -= 1_000_000_000
            }
            deadline.tv_sec = .init(total)
            deadline.tv_nsec = .init(nanoseconds)
            while !isReady(state) {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT {
                    break
                }
            }
            #endif
        } else {
            while !isReady(state) {
                pthread_cond_wait(condition, mutex)
            }
        }
        return try body(&state)
    }
}
