/// A JSON value that keeps everything needed to write it back exactly.
///
/// Job payloads are shared with Sidekiq and other clients, and we rewrite them (retries, dead
/// jobs); fields we do not know must come back unchanged. So numbers keep their text
/// (`JSONNumber`), objects keep their member order (`JSONObject`), and nothing goes through
/// Foundation's `JSONSerialization`, which loses both and is slow on the hot path.
public enum JSONValue: Sendable, Equatable, Hashable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// A number, kept as its exact text.
    case number(JSONNumber)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with ordered members.
    case object(JSONObject)

    /// The string, if this is a string; no conversion from other cases, so a number is never taken
    /// for an identifier by accident.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The exact integer, if this is a number written as an integer that fits in `Int`.
    ///
    /// `3.0` gives `nil`: see `JSONNumber.intValue`.
    public var intValue: Int? {
        if case .number(let value) = self { return value.intValue }
        return nil
    }

    /// The nearest `Double`, if this is a number (integer or not), e.g. for timestamps that other
    /// clients may write either way.
    public var doubleValue: Double? {
        if case .number(let value) = self { return value.doubleValue }
        return nil
    }

    /// The Boolean, if this is `true` or `false`; no truthiness for other cases.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Parses one JSON text (RFC 8259) from UTF-8 bytes.
    ///
    /// Whitespace may surround the value; anything else after it is an error, so a truncated or
    /// concatenated payload is never half-read. Nesting is limited to 512 arrays and objects so
    /// hostile input gets an error instead of exhausting the stack.
    ///
    /// - Throws: `JSONParseError` with the byte offset of the first problem.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        // The parser works on contiguous memory for speed; copy only when the collection has none.
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        }
        if let result {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        }.get()
    }

    /// Parses one JSON text from a string, reading its UTF-8 directly without copying.
    ///
    /// - Throws: `JSONParseError` with the offset in bytes of the string's UTF-8 form.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        }.get()
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates a string value from a literal, so payloads in code and tests read like JSON.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates an integer number from a literal.
    public init(integerLiteral value: Int) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates a float number from a literal; written in shortest round-trip form, e.g. `3.0`.
    public init(floatLiteral value: Double) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates `true` or `false` from a literal.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates an array from a literal.
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an object from a literal, keeping the literal's key order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// Creates `null` from `nil`, so `["error": nil]` writes a JSON null.
    ///
    /// Where a `JSONValue?` is expected (e.g. `JSONObject`'s subscript), `nil` still means absent.
    public init(nilLiteral: ()) {
        self = .null
    }
}
