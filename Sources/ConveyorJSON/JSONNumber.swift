/// A JSON number kept as its exact text.
///
/// Job payloads written by other Sidekiq clients must survive a read-modify-write unchanged, so a
/// number is never converted on parse: `1700000000.123456`, `1700000000123`, `-0.0`, `1e10` and
/// integers beyond `Int64` are all written back exactly as they were read. Conversions happen only
/// when a caller asks for `intValue` or `doubleValue`.
///
/// Equality and hashing compare the text, so `1.0` and `1.00` are different numbers: two values are
/// equal exactly when they would serialize identically, which is what rewrite checks need.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's exact lexical form; always valid under the JSON number grammar (RFC 8259 §6).
    public let text: String

    /// Creates an integer number, written in plain decimal.
    public init(_ value: Int) {
        text = String(value)
    }

    /// Creates a floating-point number written in the shortest form that reads back as `value`.
    ///
    /// Integral values keep a fractional part (`3.0`, not `3`) so that the number stays a float for
    /// readers such as Ruby that distinguish the two (Sidekiq's `created_at` is a Float).
    ///
    /// - Precondition: `value.isFinite`. JSON has no spelling for infinity or NaN; a non-finite
    ///   timestamp or argument is a programming error in the caller, and trapping surfaces it at the
    ///   source instead of writing a payload no other client can read. Check `isFinite` first (or
    ///   use `init?(text:)`) when the value comes from untrusted arithmetic.
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON cannot represent the non-finite number \(value)")
        // Swift's description is the shortest round-trip form and always JSON-valid for finite
        // values ("3.0", "-0.0", "1e+16", "5e-324"); the assertion guards that assumption.
        text = value.description
        assert(JSONNumber.isValid(text), "Double.description produced non-JSON text \(text)")
    }

    /// Creates a number from its JSON text, or returns `nil` if `text` does not follow the JSON
    /// number grammar (no leading zeros, `+`, `.5`, `1.`, surrounding whitespace, `inf` or `nan`).
    ///
    /// Use this to carry numbers that neither `Int` nor `Double` can hold exactly.
    public init?(text: String) {
        guard JSONNumber.isValid(text) else { return nil }
        self.text = text
    }

    /// Wraps text the parser has already validated, skipping a second grammar check.
    init(uncheckedText: String) {
        text = uncheckedText
    }

    /// Whether the text is written as an integer (no `.`, `e` or `E`), which is how JSON producers
    /// mark a value as an integer even when it is too large for `Int`.
    public var isInteger: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The exact value as an `Int`, or `nil` if the text is not an integer or does not fit.
    ///
    /// Never rounds: `3.0` and `1e3` give `nil`, so a float is never silently taken for a count.
    public var intValue: Int? {
        isInteger ? Int(text) : nil
    }

    /// The value as the nearest `Double`; magnitudes beyond `Double`'s range give ±infinity.
    ///
    /// Always available because every JSON number has a nearest `Double`, even when it is not exact.
    public var doubleValue: Double {
        Double(text) ?? .nan
    }

    /// The exact JSON text, so that interpolating a number shows what would be serialized.
    public var description: String { text }
}

extension JSONNumber {
    /// Whether `text` as a whole is one JSON number.
    static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let end = try? scan(bytes, from: 0) else { return false }
            return end == bytes.count
        }
    }

    /// Scans the longest JSON number starting at `start` and returns the offset just past it.
    ///
    /// Shared by the parser and `init?(text:)` so that both accept exactly the same grammar:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. The caller decides whether what
    /// follows the number is acceptable.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(JSONParseError) -> Int {
        let count = bytes.count
        var position = start

        @inline(__always) func isDigit(_ index: Int) -> Bool {
            index < count && bytes[index] &- UInt8(ascii: "0") < 10
        }

        if position < count && bytes[position] == UInt8(ascii: "-") {
            position += 1
        }
        guard position < count else {
            throw JSONParseError(offset: position, reason: "unexpected end of input, expected a digit")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(position) {
                throw JSONParseError(offset: position, reason: "leading zeros are not allowed in numbers")
            }
        } else if isDigit(position) {
            position += 1
            while isDigit(position) { position += 1 }
        } else {
            throw JSONParseError(offset: position, reason: "expected a digit in a number")
        }

        if position < count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else {
                throw JSONParseError(offset: position, reason: "expected a digit after the decimal point")
            }
            while isDigit(position) { position += 1 }
        }

        if position < count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard isDigit(position) else {
                throw JSONParseError(offset: position, reason: "expected a digit in the exponent")
            }
            while isDigit(position) { position += 1 }
        }
        return position
    }
}
