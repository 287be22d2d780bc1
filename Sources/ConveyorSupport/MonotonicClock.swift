#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds on a clock that never jumps (`CLOCK_MONOTONIC`), the one every timeout and interval in
/// Conveyor is measured with.
public enum MonotonicClock {
    /// The current reading, in seconds since an arbitrary start.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
