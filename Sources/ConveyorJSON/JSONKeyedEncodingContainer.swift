/// The keyed container of `JSONValueEncoder`: members of one JSON object, in encoding order.
struct JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueEncoding
    let node: JSONEncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, .value(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(key.stringValue, .value(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.set(key.stringValue, .value(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        node.set(key.stringValue, .value(try JSONValueEncoding.number(value, at: codingPath + [key])))
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        node.set(key.stringValue, .value(try JSONValueEncoding.number(value, at: codingPath + [key])))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { node.set(key.stringValue, .value(JSONValueEncoding.integer(value))) }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        node.set(key.stringValue, .value(try encoder.box(value, at: codingPath + [key])))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONEncodingNode()
        child.becomeObject()
        node.set(key.stringValue, .node(child))
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(encoder: encoder, node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONEncodingNode()
        child.becomeArray()
        node.set(key.stringValue, .node(child))
        return JSONUnkeyedEncodingContainer(encoder: encoder, node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(at: JSONCodingKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(at: key)
    }

    /// An encoder for the member at `key`, which it fills whenever the superclass encodes.
    private func superEncoder(at key: any CodingKey) -> any Encoder {
        let child = JSONEncodingNode()
        node.set(key.stringValue, .node(child))
        return JSONValueEncoding(node: child, codingPath: codingPath + [key], options: encoder.options)
    }
}
