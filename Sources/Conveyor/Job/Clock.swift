import ConveyorSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time as Sidekiq writes it: epoch seconds as a `Double`.
public enum Clock {
    /// The current time in epoch seconds, with microsecond precision.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec / 1000) / 1_000_000
    }

    /// Seconds on a clock that never jumps, for measuring intervals.
    public static func monotonic() -> Double {
        MonotonicClock.now()
    }
}
