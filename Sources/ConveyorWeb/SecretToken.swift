/// Random tokens and the constant-time comparison that checks them: the CSRF token, each response's
/// CSP nonce, and the basic-auth password check use nothing else.
enum SecretToken {
    /// `bytes` random bytes from the system's generator, as lowercase hex.
    static func random(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text += [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether two strings are equal, in a time that depends on their lengths only, so a guess
    /// learns nothing from how long the refusal took.
    static func isEqual(_ given: some StringProtocol, _ expected: some StringProtocol) -> Bool {
        let given = Array(given.utf8), expected = Array(expected.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : ~expected[index])
        }
        return difference == 0
    }
}
