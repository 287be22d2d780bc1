#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension timeval {
    /// A timeout for hiredis (`redisSetTimeout`) or a socket option (`SO_RCVTIMEO`); 0 waits forever.
    init(seconds: Double) {
        let whole = Int(seconds)
        self.init(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }
}
