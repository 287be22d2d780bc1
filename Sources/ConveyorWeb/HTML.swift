/// Text made safe for HTML, and the few builders the pages share. Every value read from the backend
/// passes through ``HTML/escape(_:)`` before it reaches a page: job classes, args, errors, queue
/// names and process identities are whatever a producer or a Redis user wrote.
enum HTML {
    /// Escapes the five characters that can end a text node or an attribute value.
    static func escape(_ text: some StringProtocol) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A path segment or query value, percent-encoded so a queue name or jid cannot break out of a URL.
    static func urlComponent(_ text: some StringProtocol) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                encoded += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return encoded
    }

    /// A number with thousands separators: `12,345`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// Seconds as a short age: `42 s`, `7 min`, `3 h`, `2 d`.
    static func age(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let seconds = max(0, seconds)
        if seconds < 90 { return "\(Int(seconds)) s" }
        if seconds < 5400 { return "\(Int(seconds / 60)) min" }
        if seconds < 172_800 { return "\(Int(seconds / 3600)) h" }
        return "\(Int(min(seconds, 1e12) / 86_400)) d"
    }
}
