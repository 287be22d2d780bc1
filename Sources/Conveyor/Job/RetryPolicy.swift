/// Sidekiq's `retry` field: `true` (the default maximum, 25), an integer maximum, or `false`.
public enum RetryPolicy: Sendable, Hashable {
    /// `retry: true`: up to ``defaultMaximum`` retries.
    case `default`
    /// `retry: N`: up to N retries (0 behaves like `false` but still writes the number).
    case limit(Int)
    /// `retry: false`: a failure is final.
    case never

    /// Sidekiq's default maximum number of retries.
    public static let defaultMaximum = 25

    /// The largest number of retries this policy allows.
    public var maximumRetries: Int {
        switch self {
        case .default: Self.defaultMaximum
        case .limit(let count): max(0, count)
        case .never: 0
        }
    }

    /// Reads the field; a missing or unreadable value means the default, as in Sidekiq.
    public init(jsonValue: JSONValue?) {
        switch jsonValue {
        case .bool(false)?: self = .never
        case .number(let number)?: self = number.intValue.map(RetryPolicy.limit) ?? .default
        default: self = .default
        }
    }

    /// Refuses a `retry` value that is none of Sidekiq's forms (`true`, `false`, an integer), so that a
    /// typo such as `"retry":"yes"` is caught where the job is built instead of silently meaning 25.
    /// An absent field or `null` means the default, as in Sidekiq.
    static func check(_ value: JSONValue?) throws(JobDecodingError) {
        switch value {
        case nil, .null?, .bool?: return
        case .number(let number)? where number.intValue != nil: return
        case .number(let number)?:
            throw .missingField("retry", expected: "true, false or a whole number of retries that fits in 64 bits, not \(number.text)")
        case .string(let text)?:
            throw .missingField("retry", expected: "true, false or a whole number of retries such as 5, not the string \(LogText.quoted(text.prefix(40)))")
        case .array?, .object?:
            throw .missingField("retry", expected: "true, false or a whole number of retries such as 5, not an array or object")
        }
    }

    /// The field as written to JSON.
    public var jsonValue: JSONValue {
        switch self {
        case .default: .bool(true)
        case .limit(let count): .number(JSONNumber(count))
        case .never: .bool(false)
        }
    }
}
