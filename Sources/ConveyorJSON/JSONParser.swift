/// The recursive-descent parser behind `JSONValue.parse`.
///
/// It reads a contiguous UTF-8 buffer by offset (no iterators, no per-byte optionals) because this
/// is on the hot path of every fetched job. Strings without escapes become `String`s in one copy;
/// only strings with escapes go through a reusable scratch buffer. Arrays and objects start with
/// room for a typical payload's worth of entries, so they are usually allocated once.
struct JSONParser {
    /// Deepest nesting of arrays and objects accepted; deeper input is an error rather than a
    /// stack overflow. 512 is far beyond any real payload and safe on small thread stacks.
    static let maximumDepth = 512

    /// The input.
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the next byte to read.
    private var position = 0
    /// Number of arrays and objects currently open.
    private var depth = 0
    /// Decoded bytes of the current string when it contains escapes; kept to reuse its capacity.
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses `bytes` as exactly one JSON text, optionally surrounded by whitespace.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.error("unexpected \(parser.describeCurrentByte()) after the JSON value")
        }
        return value
    }

    /// Scans `bytes` as exactly one JSON text whose value is an object, validating all of it by the
    /// same rules as ``parse(_:)`` but decoding only the top-level keys: each member's key and the
    /// range of its value. Nil when the text's value is valid but not an object.
    static func outline(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> [JSONObjectOutline.Member]? {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: "{") else {
            _ = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.position == bytes.count else {
                throw parser.error("unexpected \(parser.describeCurrentByte()) after the JSON value")
            }
            return nil
        }
        let members = try parser.outlineObject()
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.error("unexpected \(parser.describeCurrentByte()) after the JSON value")
        }
        return members
    }

    // MARK: - Values

    /// Parses the value starting at `position` (whitespace already skipped).
    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else {
            throw error("unexpected end of input, expected a value")
        }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return .object(try parseObject())
        case UInt8(ascii: "["):
            return .array(try parseArray())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = position
            position = try JSONNumber.scan(bytes, from: start)
            return .number(JSONNumber(uncheckedText: makeString(start..<position)))
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw error("expected a value but found \(describeCurrentByte())")
        }
    }

    /// Consumes `literal` or fails at its first byte.
    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        let matches = position + length <= bytes.count && literal.withUTF8Buffer { expected in
            for offset in 0..<length where bytes[position + offset] != expected[offset] {
                return false
            }
            return true
        }
        guard matches else {
            throw error("invalid literal, expected '\(literal)'")
        }
        position += length
    }

    /// Parses an array; `position` is at its `[`.
    private mutating func parseArray() throws(JSONParseError) -> [JSONValue] {
        try enterContainer()
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return []
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(4)
        while true {
            elements.append(try parseValue())
            if try consumeSeparator(closing: "]", after: "an array element") { return elements }
        }
    }

    /// Parses an object; `position` is at its `{`. Duplicate keys follow `JSONObject`'s rule.
    private mutating func parseObject() throws(JSONParseError) -> JSONObject {
        try enterContainer()
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return JSONObject()
        }
        var members: [JSONObject.Element] = []
        members.reserveCapacity(8)
        while true {
            let key = try parseMemberKey()
            members.append((key: key, value: try parseValue()))
            if try consumeSeparator(closing: "}", after: "an object member") { return JSONObject(parsedMembers: members) }
        }
    }

    /// The top-level object's members, keys decoded and values only validated (see ``outline(_:)``).
    private mutating func outlineObject() throws(JSONParseError) -> [JSONObjectOutline.Member] {
        try enterContainer()
        position += 1
        skipWhitespace()
        var members: [JSONObjectOutline.Member] = []
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return members
        }
        members.reserveCapacity(8)
        while true {
            let key = try parseMemberKey()
            let start = position
            try skipValue()
            members.append(JSONObjectOutline.Member(key: key, valueRange: start..<position))
            if try consumeSeparator(closing: "}", after: "an object member") { return members }
        }
    }

    /// An object member's key and its colon, leaving `position` at the value (whitespace skipped).
    private mutating func parseMemberKey() throws(JSONParseError) -> String {
        try expectMemberKey(decoding: true) ?? ""
    }

    /// Reads an object member's key (made into a string only when `decoding`) and its colon.
    @discardableResult
    private mutating func expectMemberKey(decoding: Bool) throws(JSONParseError) -> String? {
        guard position < bytes.count else {
            throw error("unexpected end of input, expected a string key for an object member")
        }
        guard bytes[position] == UInt8(ascii: "\"") else {
            throw error("expected a string key for an object member but found \(describeCurrentByte())")
        }
        var key: String?
        if decoding {
            key = try parseString()
        } else {
            try skipString()
        }
        skipWhitespace()
        guard position < bytes.count else {
            throw error("unexpected end of input, expected ':' after an object key")
        }
        guard bytes[position] == UInt8(ascii: ":") else {
            throw error("expected ':' after an object key")
        }
        position += 1
        skipWhitespace()
        return key
    }

    /// Validates the value at `position` exactly as ``parseValue()`` would read it, building nothing
    /// (a string with escapes is decoded into the scratch buffer, which is how its escapes are checked).
    private mutating func skipValue() throws(JSONParseError) {
        guard position < bytes.count else {
            throw error("unexpected end of input, expected a value")
        }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"):
            try enterContainer()
            position += 1
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return
            }
            while true {
                try expectMemberKey(decoding: false)
                try skipValue()
                if try consumeSeparator(closing: "}", after: "an object member") { return }
            }
        case UInt8(ascii: "["):
            try enterContainer()
            position += 1
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return
            }
            while true {
                try skipValue()
                if try consumeSeparator(closing: "]", after: "an array element") { return }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            position = try JSONNumber.scan(bytes, from: position)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
        case UInt8(ascii: "f"):
            try expectLiteral("false")
        case UInt8(ascii: "n"):
            try expectLiteral("null")
        default:
            throw error("expected a value but found \(describeCurrentByte())")
        }
    }

    /// After an array element or object member: consumes a ',' (returns false: another follows) or the
    /// container's closing bracket (returns true), rejecting a trailing comma and anything else.
    private mutating func consumeSeparator(closing: Unicode.Scalar, after what: String) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else {
            throw error("unexpected end of input, expected ',' or '\(closing)' after \(what)")
        }
        switch bytes[position] {
        case UInt8(ascii: ","):
            position += 1
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: closing) {
                throw error("trailing comma before '\(closing)'")
            }
            return false
        case UInt8(ascii: closing):
            position += 1
            depth -= 1
            return true
        default:
            throw error("expected ',' or '\(closing)' after \(what)")
        }
    }

    /// Counts one more open container, failing at its opening bracket when too deep.
    @inline(__always)
    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= JSONParser.maximumDepth else {
            throw error("nesting deeper than \(JSONParser.maximumDepth) arrays and objects")
        }
    }

    // MARK: - Strings

    /// Parses a string; `position` is at its opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        try scanString(decoding: true) ?? ""
    }

    /// Validates a string as ``parseString()`` does, without making it (one with escapes is still
    /// decoded into the scratch buffer: that is how its escapes are checked).
    private mutating func skipString() throws(JSONParseError) {
        try scanString(decoding: false)
    }

    /// Reads a string at its opening quote; makes it only when `decoding`.
    @discardableResult
    @inline(__always)
    private mutating func scanString(decoding: Bool) throws(JSONParseError) -> String? {
        let start = position
        position += 1
        let contentStart = position
        while position < bytes.count {
            skipPlainASCII()
            guard position < bytes.count else { break }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let string = decoding ? makeString(contentStart..<position) : nil
                position += 1
                return string
            } else if byte == UInt8(ascii: "\\") {
                let string = try parseEscapedString(openedAt: start, contentStart: contentStart)
                return decoding ? string : nil
            } else if byte < 0x20 {
                throw controlCharacterError(byte)
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipMultiByteSequence()
            }
        }
        throw unterminatedStringError(openedAt: start)
    }

    /// Skips, eight bytes at a time, string content that needs no attention: printable ASCII other
    /// than `"` and `\`. Stops at or before the first byte that does, or near the end of input.
    @inline(__always)
    private mutating func skipPlainASCII() {
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        while position + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            guard !JSONParser.needsAttention(word) else { return }
            position += 8
        }
    }

    /// Whether any byte of `word` is a control character, `"`, `\` or non-ASCII; exact (no false
    /// positives or negatives) by the classic "has zero byte" bit tricks.
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highBits != 0
    }

    /// Continues a string at its first backslash, decoding into `scratch`.
    private mutating func parseEscapedString(openedAt start: Int, contentStart: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = contentStart
        while position < bytes.count {
            skipPlainASCII()
            guard position < bytes.count else { break }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                appendRun(runStart..<position)
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                appendRun(runStart..<position)
                try decodeEscape()
                runStart = position
            } else if byte < 0x20 {
                throw controlCharacterError(byte)
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipMultiByteSequence()
            }
        }
        throw unterminatedStringError(openedAt: start)
    }

    /// Copies already-validated raw string bytes into `scratch`.
    @inline(__always)
    private mutating func appendRun(_ range: Range<Int>) {
        if !range.isEmpty {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        }
    }

    /// Decodes the escape at `position` (its backslash) into `scratch` and moves past it.
    private mutating func decodeEscape() throws(JSONParseError) {
        let escapeStart = position
        guard position + 1 < bytes.count else {
            throw error("unexpected end of input in an escape sequence", at: bytes.count)
        }
        let decoded: UInt8
        switch bytes[position + 1] {
        case UInt8(ascii: "\""): decoded = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): decoded = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): decoded = UInt8(ascii: "/")
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            position += 2
            let unit = try readHexQuad(escapeStart: escapeStart)
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate must be followed by an escaped low surrogate; together they
                // encode one scalar outside the Basic Multilingual Plane.
                guard position + 1 < bytes.count,
                      bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate in a \\u escape, expected a low surrogate to follow", at: escapeStart)
                }
                let lowStart = position
                position += 2
                let low = try readHexQuad(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("lone high surrogate in a \\u escape, expected a low surrogate to follow", at: escapeStart)
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("lone low surrogate in a \\u escape", at: escapeStart)
            }
            appendUTF8(scalarValue)
            return
        default:
            throw invalidEscapeError(bytes[position + 1], at: escapeStart)
        }
        scratch.append(decoded)
        position += 2
    }

    /// Reads four hex digits at `position` and moves past them.
    private mutating func readHexQuad(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else {
            throw error("invalid \\u escape, expected four hex digits", at: escapeStart)
        }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[position + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape, expected four hex digits", at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
        }
        position += 4
        return value
    }

    /// Appends a Unicode scalar (never a surrogate) to `scratch` as UTF-8.
    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence at `position` (lead byte ≥ 0x80) and moves past it.
    ///
    /// Follows the well-formed byte sequences of Unicode Table 3-7, which excludes overlong forms,
    /// surrogates and values beyond U+10FFFF, so the resulting `String` never needs repairing.
    private mutating func skipMultiByteSequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default:
            throw error("invalid UTF-8 byte \(hex(lead)) in a string")
        }
        guard position + length <= bytes.count else {
            throw error("truncated UTF-8 sequence in a string")
        }
        let second = bytes[position + 1]
        var valid = second >= secondLow && second <= secondHigh
        for offset in 2..<length where bytes[position + offset] & 0xC0 != 0x80 {
            valid = false
        }
        guard valid else {
            throw error("invalid UTF-8 sequence starting with byte \(hex(lead)) in a string")
        }
        position += length
    }

    /// The error for a backslash followed by `byte`, which is not an escape JSON defines.
    private func invalidEscapeError(_ byte: UInt8, at offset: Int) -> JSONParseError {
        if (0x21...0x7E).contains(byte) {
            return error("invalid escape sequence '\\\(String(UnicodeScalar(byte)))'", at: offset)
        }
        return error("invalid escape sequence, a backslash followed by byte \(hex(byte))", at: offset)
    }

    /// The error for a raw control character at `position`.
    private func controlCharacterError(_ byte: UInt8) -> JSONParseError {
        error("unescaped control character \(hex(byte)) in a string")
    }

    /// The error for input ending inside a string.
    private func unterminatedStringError(openedAt start: Int) -> JSONParseError {
        error("unexpected end of input in the string that starts at byte \(start)", at: bytes.count)
    }

    // MARK: - Helpers

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// A `String` from input bytes already known to be valid UTF-8.
    @inline(__always)
    private func makeString(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// An error at `offset`, by default the current position.
    private func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    /// The current byte for a message, or "end of input".
    private func describeCurrentByte() -> String {
        position < bytes.count ? describeByte(bytes[position]) : "end of input"
    }

    /// A byte for a message: printable ASCII as the character, anything else in hex.
    private func describeByte(_ byte: UInt8) -> String {
        guard (0x21...0x7E).contains(byte) else { return "byte \(hex(byte))" }
        return "'\(String(UnicodeScalar(byte)))'"
    }

    /// A byte as `0xNN`.
    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }
}
