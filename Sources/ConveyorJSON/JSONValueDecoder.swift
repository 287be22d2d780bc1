/// Decodes `Decodable` values straight from a `JSONValue`, without Foundation and without text.
///
/// The counterpart of ``JSONValueEncoder``, used to run typed jobs from their `args`. It accepts
/// what `JSONDecoder` accepts for the same value, and fails the same way, with `DecodingError`s
/// whose coding paths name the field (`items.2.price`): a string where a number belongs is a type
/// mismatch, a missing field is `keyNotFound`, `null` for a non-optional is `valueNotFound`, and
/// a number outside the type's range (`300` for a `UInt8`, `1e400` for a `Double`) is
/// `dataCorrupted`, never a trap. Integers may be written as exact floats (`3.0`, `1e3`), as
/// `JSONDecoder` allows, so payloads from other clients keep decoding.
///
/// ```swift
/// let job = try JSONValueDecoder().decode(SendWelcomeEmail.self, from: ["userID": 42])
/// ```
public struct JSONValueDecoder: Sendable {
    /// Reads a value a JSON form of its own before its `Decodable` conformance runs; `nil` means
    /// "decode it as usual". Called for every type that is not a number, string or Boolean, so it
    /// should stay cheap for types it does not handle. The returned value must be of the type asked.
    public typealias ValueOverride = @Sendable (_ type: any Decodable.Type, _ value: JSONValue, _ codingPath: [any CodingKey]) throws -> (any Decodable)?

    /// Context for `init(from:)` implementations, as `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// See ``ValueOverride``. Default: none.
    public var valueOverride: ValueOverride?

    /// Creates a decoder with no user info and no override.
    public init() {}

    /// Decodes a value of `type` from `value`.
    ///
    /// - Throws: `DecodingError` with the coding path of the first field that does not fit, or any
    ///   error the type's `init(from:)` throws itself.
    public func decode<Value: Decodable>(_ type: Value.Type, from value: JSONValue) throws -> Value {
        try JSONValueDecoding(value: value, codingPath: [], options: self).unbox(value, as: Value.self, at: [])
    }
}
