/// A JSON object text, validated whole but decoded only as far as its top-level keys: each member's
/// key and where its value lies in the text. A value is decoded when asked for.
///
/// Why: a worker reads a job's class to pick its handler and hands the rest to the handler, which
/// often reads only its arguments. Decoding every field of every fetched job (its timestamps, its
/// jid, each value as a `JSONValue`) cost more than running a small job. The outline validates with
/// the same parser code as ``JSONValue/parse(_:)``, so text it accepts always parses.
public struct JSONObjectOutline: Sendable {
    /// One top-level member.
    public struct Member: Sendable, Equatable {
        /// The member's key, decoded.
        public let key: String
        /// Where the member's value lies in the text, in bytes.
        public let valueRange: Range<Int>
    }

    /// The members in the order they were written, repeated keys included.
    public let members: [Member]

    /// Outlines `bytes`, which must be one JSON text (whitespace around it allowed). Returns nil when
    /// the text is valid JSON but not an object; throws what ``JSONValue/parse(_:)`` would throw
    /// when it is not valid JSON.
    public init?(_ bytes: [UInt8]) throws(JSONParseError) {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try JSONParser.outline(buffer) }
        }
        guard let members = try result.get() else { return nil }
        self.members = members
    }

    /// The member for `key`: the last one written with that key, as parsing keeps the last value.
    /// Keys are compared by their UTF-8 bytes, as ``JSONObject`` compares them.
    public func member(_ key: String) -> Member? {
        for member in members.reversed() where JSONObject.keysMatch(member.key, key) {
            return member
        }
        return nil
    }

    /// Decodes the value of `member` from `bytes`, the text this outline was made from.
    public func value(of member: Member, in bytes: [UInt8]) -> JSONValue {
        bytes.withUnsafeBufferPointer { buffer in
            // Validated when outlined, by the same parser: this cannot fail on the same bytes.
            guard let value = try? JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[member.valueRange])) else {
                preconditionFailure("an outlined JSON value no longer parses: the bytes are not the ones outlined")
            }
            return value
        }
    }
}
