import ConveyorSupport
#if canImport(Glibc)
import Glibc
#endif

/// Job IDs as Sidekiq makes them: 12 random bytes as 24 lowercase hex characters.
public enum JobID {
    private static let digits = Array("0123456789abcdef".utf8)
    /// Random bytes drawn from the system generator 4 KB at a time: one `getrandom` call per 341 job
    /// IDs instead of two per ID, which dominated the cost of building jobs in bulk.
    private static let randomBytes = Locked(RandomBuffer())

    /// A new random job ID.
    public static func generate() -> String {
        randomBytes.withLock { buffer in
            buffer.refillIfNeeded(12)
            defer { buffer.offset += 12 }
            return String(unsafeUninitializedCapacity: 24) { output in
                for index in 0..<12 {
                    let byte = buffer.bytes[buffer.offset + index]
                    output[index * 2] = digits[Int(byte >> 4)]
                    output[index * 2 + 1] = digits[Int(byte & 0xF)]
                }
                return 24
            }
        }
    }
}

private struct RandomBuffer {
    var bytes = [UInt8](repeating: 0, count: 4096)
    var offset = 4096

    mutating func refillIfNeeded(_ wanted: Int) {
        guard offset + wanted > bytes.count else { return }
        bytes.withUnsafeMutableBytes { raw in
            #if os(Linux)
            // A few system calls for the whole buffer; the generator below makes one per 8 bytes.
            let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                defer { close(descriptor) }
                if Glibc.read(descriptor, raw.baseAddress, raw.count) == raw.count { return }
            }
            #endif
            var generator = SystemRandomNumberGenerator()
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
        }
        offset = 0
    }
}
