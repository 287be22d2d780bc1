/// The `Encoder` behind `JSONValueEncoder`: one per value being encoded, writing into one node.
///
/// It is also its own single-value container, as in Foundation, which saves an allocation for
/// every value that encodes as one string or number.
final class JSONValueEncoding: Encoder, SingleValueEncodingContainer {
    /// Where this encoder's value goes.
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]
    let options: JSONValueEncoder

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(node: JSONEncodingNode, codingPath: [any CodingKey], options: JSONValueEncoder) {
        self.node = node
        self.codingPath = codingPath
        self.options = options
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(encoder: self, node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return JSONUnkeyedEncodingContainer(encoder: self, node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    // MARK: - Single value

    func encodeNil() throws { node.setSingle(.null) }
    func encode(_ value: Bool) throws { node.setSingle(.bool(value)) }
    func encode(_ value: String) throws { node.setSingle(.string(value)) }
    func encode(_ value: Double) throws { node.setSingle(try JSONValueEncoding.number(value, at: codingPath)) }
    func encode(_ value: Float) throws { node.setSingle(try JSONValueEncoding.number(value, at: codingPath)) }
    func encode(_ value: Int) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: Int8) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: Int16) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: Int32) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: Int64) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: UInt) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: UInt8) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: UInt16) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: UInt32) throws { node.setSingle(JSONValueEncoding.integer(value)) }
    func encode(_ value: UInt64) throws { node.setSingle(JSONValueEncoding.integer(value)) }

    func encode<Value: Encodable>(_ value: Value) throws {
        node.setSingle(try box(value, at: codingPath))
    }

    // MARK: - Conversions shared by the containers

    /// An integer of any width as its plain decimal text: no range to check, JSON has none.
    static func integer(_ value: some FixedWidthInteger) -> JSONValue {
        .number(JSONNumber(uncheckedText: String(value)))
    }

    /// A finite `Double` in shortest round-trip form; infinity and NaN are refused, not trapped on.
    static func number(_ value: Double, at codingPath: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else { throw nonFinite(value, at: codingPath) }
        return .number(JSONNumber(value))
    }

    /// A finite `Float` in its own shortest form (`0.1`, not the `Double` widening `0.10000000149011612`).
    static func number(_ value: Float, at codingPath: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else { throw nonFinite(value, at: codingPath) }
        // Float's description is JSON-valid for finite values, as Double's is ("3.0", "1e+10").
        return .number(JSONNumber(uncheckedText: value.description))
    }

    /// The error for a value JSON has no spelling for, saying what to do instead.
    static func nonFinite<Value: BinaryFloatingPoint>(_ value: Value, at codingPath: [any CodingKey]) -> EncodingError {
        let location = codingPath.isEmpty ? "" : " at '\(codingPath.map(\.stringValue).joined(separator: "."))'"
        return EncodingError.invalidValue(value, EncodingError.Context(
            codingPath: codingPath,
            debugDescription: "Unable to encode \(Value.self) \(value)\(location) in JSON, which has no spelling for infinity or NaN; check the value with isFinite before encoding it, or send it as a string."
        ))
    }

    /// Any value: numbers, strings and Booleans directly (the calls synthesized code makes for
    /// arrays and optionals of them land here), everything else through its own `encode(to:)`.
    func box<Value: Encodable>(_ value: Value, at codingPath: [any CodingKey]) throws -> JSONValue {
        // Checks on the static type; in specialized code they fold away.
        if Value.self == String.self { return .string(value as! String) }
        if Value.self == Int.self { return JSONValueEncoding.integer(value as! Int) }
        if Value.self == Bool.self { return .bool(value as! Bool) }
        if Value.self == Double.self { return try JSONValueEncoding.number(value as! Double, at: codingPath) }
        if let override = options.valueOverride, let special = try override(value, codingPath) {
            return special
        }
        let child = JSONValueEncoding(node: JSONEncodingNode(), codingPath: codingPath, options: options)
        try value.encode(to: child)
        return child.node.value
    }
}
