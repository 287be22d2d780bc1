/// Encodes `Encodable` values straight to a `JSONValue`, without Foundation and without text.
///
/// Typed jobs used to go through `JSONEncoder` to bytes and then through the parser to reach the
/// job's `args`; this builds the value directly. What it writes matches `JSONEncoder`'s defaults
/// where the two can differ on the wire: keys in encoding order, `nil` optionals left out, integers
/// as plain decimal of any width. Floating-point numbers are written in shortest round-trip form
/// and keep a fraction (`3.0`, not `3`), the `JSONNumber` rule, so readers that tell integers from
/// floats (Ruby) see a float.
///
/// ```swift
/// let value = try JSONValueEncoder().encode(SendWelcomeEmail(userID: 42))   // {"userID":42}
/// ```
///
/// Types whose `Encodable` form differs from what `JSONEncoder` special-cases (`Data` as base64,
/// `URL` as a string, `Decimal` as a number) get their plain `Encodable` form here unless
/// ``valueOverride`` says otherwise; the `Conveyor` module installs one for them.
public struct JSONValueEncoder: Sendable {
    /// Gives a value a JSON form of its own before its `Encodable` conformance runs; `nil` means
    /// "encode it as usual". Called for every value that is not a number, string or Boolean, with
    /// the coding path where it is written, so it should stay cheap for types it does not handle.
    public typealias ValueOverride = @Sendable (_ value: any Encodable, _ codingPath: [any CodingKey]) throws -> JSONValue?

    /// Context for `encode(to:)` implementations, as `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// See ``ValueOverride``. Default: none.
    public var valueOverride: ValueOverride?

    /// Creates an encoder with no user info and no override.
    public init() {}

    /// Encodes `value` as a JSON value.
    ///
    /// - Throws: `EncodingError.invalidValue` for a non-finite `Double` or `Float` (JSON cannot
    ///   spell them) and for a value that encodes nothing at all; any error `value` throws itself.
    public func encode<Value: Encodable>(_ value: Value) throws -> JSONValue {
        let encoder = JSONValueEncoding(node: JSONEncodingNode(), codingPath: [], options: self)
        if let special = try valueOverride?(value, []) {
            return special
        }
        try value.encode(to: encoder)
        guard !encoder.node.isEmpty else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "Top-level \(Value.self) did not encode any values."))
        }
        return encoder.node.value
    }
}
