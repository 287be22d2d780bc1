/// Job IDs as Sidekiq makes them: 12 random bytes as 24 lowercase hex characters.
public enum JobID {
    private static let digits = Array("0123456789abcdef".utf8)

    /// A new random job ID.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt32
        return String(unsafeUninitializedCapacity: 24) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int((high >> UInt64(60 - index * 4)) & 0xF)]
            }
            for index in 0..<8 {
                buffer[16 + index] = digits[Int((low >> UInt32(28 - index * 4)) & 0xF)]
            }
            return 24
        }
    }
}
