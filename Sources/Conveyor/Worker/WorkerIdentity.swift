#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A worker process's identity in Sidekiq's form, `hostname:pid:random-hex`.
public enum WorkerIdentity {
    /// A new identity for this process.
    public static func make() -> String {
        "\(hostname()):\(getpid()):\(JobID.generate().prefix(12))"
    }

    /// The machine's host name.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }
}
