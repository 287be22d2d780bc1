/// Makes text from jobs safe to put in a log line or a message.
///
/// A job's class, jid, args or error message come from whoever pushed it; a newline in them would
/// start a forged log line, and an escape sequence would drive the reader's terminal. Every log line
/// that carries job data passes it through ``escaped(_:)``.
public enum LogText {
    /// `text` with control characters (C0, DEL, C1) and the Unicode line and paragraph separators
    /// written as escapes (`\n`, `\r`, `\t`, `\u{1B}`), so it always stays on one line. Backslashes
    /// are left as they are: the aim is one record per line, not a reversible encoding.
    public static func escaped(_ text: some StringProtocol) -> String {
        // Printable ASCII, nearly every jid and class, is decided from its bytes: every job's context
        // passes here.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(text) }
        guard text.unicodeScalars.contains(where: needsEscape) else { return String(text) }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where needsEscape(scalar): result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` escaped and in single quotes, for messages that name a user's value.
    public static func quoted(_ text: some StringProtocol) -> String {
        "'" + escaped(text) + "'"
    }

    /// Bytes that may not be UTF-8 (a malformed payload), decoded with replacement and escaped.
    public static func escaped(bytes: some Collection<UInt8>) -> String {
        escaped(String(decoding: bytes, as: UTF8.self))
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
