import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``JSONLogHandler`` writes: it hands over one complete line at a time, newline included.
///
/// Handlers are values copied into every `Logger`, and a worker logs from its loop thread, its
/// consumer and housekeeping threads and the signal queue at once; lines must never interleave.
public struct LogOutput: Sendable {
    private let writeLine: @Sendable (_ line: [UInt8]) -> Void

    /// A destination of your own (tests collect lines this way). `writeLine` may be called from
    /// several threads at once.
    public init(_ writeLine: @escaping @Sendable (_ line: [UInt8]) -> Void) {
        self.writeLine = writeLine
    }

    /// Standard error, with one lock for every handler in the process.
    public static let standardError = LogOutput.fileDescriptor(STDERR_FILENO)

    /// A file descriptor the caller keeps open. Each line goes out in one `write(2)` under a lock
    /// held until the whole line is written, so even a partial write (a full pipe) cannot let
    /// another thread's line in between.
    public static func fileDescriptor(_ descriptor: Int32) -> LogOutput {
        let writer = DescriptorWriter(descriptor: descriptor)
        return LogOutput { line in writer.writeLine(line) }
    }

    /// Writes one complete line.
    func write(_ line: [UInt8]) {
        writeLine(line)
    }
}

/// One descriptor and the lock that keeps its lines whole.
private final class DescriptorWriter: Sendable {
    let descriptor: Int32
    let lock = Mutex(())

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func writeLine(_ line: [UInt8]) {
        lock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    // A closed or broken standard error: the line is lost, and logging must never
                    // stop the worker.
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}

