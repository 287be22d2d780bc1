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

    /// The field as written to JSON.
    public var jsonValue: JSONValue {
        switch self {
        case .default: .bool(true)
        case .limit(let count): .number(JSONNumber(count))
        case .never: .bool(false)
        }
    }
}
