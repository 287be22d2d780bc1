/// The last step of a JSON log line: escaping what JSON allows raw but some readers take for a
/// line break or a terminal command, as `LogText.escaped` does for text lines.
enum JSONLine {
    /// `serialized` (compact JSON text from ConveyorJSON's writer, which escapes only what JSON
    /// requires) with DEL, U+0080…U+009F (C1 controls: NEL, U+0085, is a line break to some readers
    /// and CSI, U+009B, drives some terminals) and U+2028 and U+2029 (line and paragraph separators,
    /// which Python's `splitlines()` breaks on) written as `\u` escapes. Outside its strings JSON
    /// text is printable ASCII, so these only ever occur inside a string and the line parses back to
    /// the same value.
    static func escapingControlsAndSeparators(_ serialized: [UInt8]) -> [UInt8] {
        // In UTF-8 these characters start with 0x7F, 0xC2 or 0xE2, which are never continuation bytes.
        guard serialized.contains(where: { $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) else { return serialized }
        var result: [UInt8] = []
        result.reserveCapacity(serialized.count + 16)
        var index = 0
        while index < serialized.count {
            let byte = serialized[index]
            if byte == 0x7F {
                appendEscape(0x7F, to: &result)
                index += 1
            } else if byte == 0xC2, index + 1 < serialized.count, (0x80...0x9F).contains(serialized[index + 1]) {
                appendEscape(UInt32(serialized[index + 1]), to: &result)
                index += 2
            } else if byte == 0xE2, index + 2 < serialized.count, serialized[index + 1] == 0x80,
                serialized[index + 2] == 0xA8 || serialized[index + 2] == 0xA9 {
                appendEscape(serialized[index + 2] == 0xA8 ? 0x2028 : 0x2029, to: &result)
                index += 3
            } else {
                result.append(byte)
                index += 1
            }
        }
        return result
    }

    /// Appends `\uXXXX` for a code point below U+10000.
    private static func appendEscape(_ codePoint: UInt32, to result: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        result.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            result.append(hex[Int((codePoint >> UInt32(shift)) & 0xF)])
        }
    }
}
