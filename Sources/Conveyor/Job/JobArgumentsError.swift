/// A job's arguments do not fit what its handler expects.
public struct JobArgumentsError: Error, Sendable, CustomStringConvertible {
    /// The job class whose arguments were wrong.
    public let jobClass: String
    /// What was wrong, in words.
    public let reason: String

    /// Creates the error.
    public init(jobClass: String, reason: String) {
        self.jobClass = jobClass
        self.reason = reason
    }

    public var description: String {
        "The arguments of a \(jobClass) job do not fit its handler: \(reason)."
    }

    /// Turns a `DecodingError` into words that point at the offending field.
    static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "the argument" : "'\(keys)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "the field '\(key.stringValue)' is missing" + (context.codingPath.isEmpty ? "" : " in \(path(context))")
        case .typeMismatch(let type, let context):
            return "\(path(context)) should be \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null but should be \(type)"
        case .dataCorrupted(let context):
            // The description is a sentence of its own; ours adds the final period.
            let detail = context.debugDescription.hasSuffix(".") ? String(context.debugDescription.dropLast()) : context.debugDescription
            return "\(path(context)) is not readable: \(detail)"
        @unknown default:
            return "\(error)"
        }
    }
}
