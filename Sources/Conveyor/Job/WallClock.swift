import ConveyorSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time as Sidekiq writes it: epoch seconds as a `Double`.
///
/// Named apart from `Swift.Clock` so that `import Conveyor` leaves generic code over clocks compiling.
/// Intervals are measured with `MonotonicClock`, which never jumps.
public enum WallClock {
    /// The current time in epoch seconds, with microsecond precision.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec / 1000) / 1_000_000
    }
}
