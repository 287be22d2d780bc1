/// The unkeyed container of `JSONValueEncoder`: the elements of one JSON array.
struct JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: JSONValueEncoding
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]

    var count: Int { node.elementCount }

    /// The coding path of the element about to be appended, for errors.
    private var nextPath: [any CodingKey] { codingPath + [JSONCodingKey(index: count)] }

    mutating func encodeNil() throws { node.append(.value(.null)) }
    mutating func encode(_ value: Bool) throws { node.append(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { node.append(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { node.append(.value(try JSONValueEncoding.number(value, at: nextPath))) }
    mutating func encode(_ value: Float) throws { node.append(.value(try JSONValueEncoding.number(value, at: nextPath))) }
    mutating func encode(_ value: Int) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int8) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int16) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int32) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int64) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt8) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt16) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt32) throws { node.append(.value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt64) throws { node.append(.value(JSONValueEncoding.integer(value))) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        node.append(.value(try encoder.box(value, at: nextPath)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let child = JSONEncodingNode()
        child.becomeObject()
        node.append(.node(child))
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(encoder: encoder, node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let child = JSONEncodingNode()
        child.becomeArray()
        node.append(.node(child))
        return JSONUnkeyedEncodingContainer(encoder: encoder, node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        let child = JSONEncodingNode()
        node.append(.node(child))
        return JSONValueEncoding(node: child, codingPath: path, options: encoder.options)
    }
}
