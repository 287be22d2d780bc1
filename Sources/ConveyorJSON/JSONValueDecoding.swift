/// The `Decoder` behind `JSONValueDecoder`: one per value that decodes through its own
/// `init(from:)`, and its own single-value container, as in Foundation.
final class JSONValueDecoding: Decoder, SingleValueDecodingContainer {
    /// The value being decoded.
    let value: JSONValue
    let codingPath: [any CodingKey]
    let options: JSONValueDecoder

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(value: JSONValue, codingPath: [any CodingKey], options: JSONValueDecoder) {
        self.value = value
        self.codingPath = codingPath
        self.options = options
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw JSONValueDecoding.mismatch([String: Any].self, "a keyed container", found: value, at: codingPath)
        }
        return KeyedDecodingContainer(JSONKeyedDecodingContainer<Key>(decoder: self, object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw JSONValueDecoding.mismatch([Any].self, "an unkeyed container", found: value, at: codingPath)
        }
        return JSONUnkeyedDecodingContainer(decoder: self, elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        self
    }

    // MARK: - Single value

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try unboxBool(value, at: codingPath) }
    func decode(_ type: String.Type) throws -> String { try unboxString(value, at: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try unboxDouble(value, at: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try unboxFloat(value, at: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try unboxInteger(value, as: type, at: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unboxInteger(value, as: type, at: codingPath) }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try unbox(value, as: type, at: codingPath)
    }

    // MARK: - Conversions shared by the containers

    func unboxBool(_ value: JSONValue, at codingPath: [any CodingKey]) throws -> Bool {
        guard case .bool(let bool) = value else { throw JSONValueDecoding.mismatch(Bool.self, found: value, at: codingPath) }
        return bool
    }

    func unboxString(_ value: JSONValue, at codingPath: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else { throw JSONValueDecoding.mismatch(String.self, found: value, at: codingPath) }
        return string
    }

    /// An integer of any width, exactly or not at all: text beyond the type's range is an error,
    /// and so is a fraction; never a trap, never rounding.
    func unboxInteger<Value: FixedWidthInteger>(_ value: JSONValue, as type: Value.Type, at codingPath: [any CodingKey]) throws -> Value {
        guard case .number(let number) = value else { throw JSONValueDecoding.mismatch(type, found: value, at: codingPath) }
        if let exact = Value(number.text) { return exact }
        // JSONDecoder reads `3.0` and `1e3` as integers when they are exact; so do we, so payloads
        // written by other clients decode the same way as before.
        let double = Double(number.text) ?? .nan
        if !number.isInteger, let exact = Value(exactly: double) { return exact }
        let problem = number.isInteger || double.rounded() == double ? "does not fit in \(type)" : "is not a whole number, so it cannot be \(type)"
        throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "The number \(number.text) \(problem)."))
    }

    func unboxDouble(_ value: JSONValue, at codingPath: [any CodingKey]) throws -> Double {
        guard case .number(let number) = value else { throw JSONValueDecoding.mismatch(Double.self, found: value, at: codingPath) }
        let double = number.doubleValue
        guard double.isFinite else { throw JSONValueDecoding.outOfRange(number, Double.self, at: codingPath) }
        return double
    }

    func unboxFloat(_ value: JSONValue, at codingPath: [any CodingKey]) throws -> Float {
        guard case .number(let number) = value else { throw JSONValueDecoding.mismatch(Float.self, found: value, at: codingPath) }
        // Read from the text, not through Double, so the result is the correctly rounded Float.
        guard let float = Float(number.text), float.isFinite else { throw JSONValueDecoding.outOfRange(number, Float.self, at: codingPath) }
        return float
    }

    /// Any value: numbers, strings and Booleans directly (arrays and optionals of them land here),
    /// everything else through its own `init(from:)` on a decoder for that value.
    func unbox<Value: Decodable>(_ value: JSONValue, as type: Value.Type, at codingPath: [any CodingKey]) throws -> Value {
        // Checks on the static type; in specialized code they fold away.
        if Value.self == String.self { return try unboxString(value, at: codingPath) as! Value }
        if Value.self == Int.self { return try unboxInteger(value, as: Int.self, at: codingPath) as! Value }
        if Value.self == Bool.self { return try unboxBool(value, at: codingPath) as! Value }
        if Value.self == Double.self { return try unboxDouble(value, at: codingPath) as! Value }
        if let override = options.valueOverride, let special = try override(type, value, codingPath) {
            guard let typed = special as? Value else {
                throw DecodingError.typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: "The decoder's value override returned \(Swift.type(of: special)) where \(type) was asked for."))
            }
            return typed
        }
        return try Value(from: JSONValueDecoding(value: value, codingPath: codingPath, options: options))
    }

    // MARK: - Errors, worded like JSONDecoder's

    /// `null` where a value is needed is `valueNotFound`; any other wrong kind is `typeMismatch`.
    static func mismatch(_ type: Any.Type, _ what: String? = nil, found value: JSONValue, at codingPath: [any CodingKey]) -> DecodingError {
        let context = DecodingError.Context(
            codingPath: codingPath,
            debugDescription: value == .null
                ? "Cannot get \(what ?? "a value of type \(type)") -- found null value instead."
                : "Expected to decode \(type) but found \(describe(value)) instead."
        )
        return value == .null ? .valueNotFound(type, context) : .typeMismatch(type, context)
    }

    /// A number whose magnitude the type cannot hold.
    static func outOfRange(_ number: JSONNumber, _ type: Any.Type, at codingPath: [any CodingKey]) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "The number \(number.text) does not fit in \(type)."))
    }

    /// The kind of a JSON value, as in "found a string instead".
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a bool"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "a dictionary"
        }
    }
}
