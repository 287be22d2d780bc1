/// The error thrown when input is not a valid JSON text.
///
/// It carries the byte offset rather than a line and column because payloads arrive from Redis as
/// single-line byte strings; an offset is what you need to find the fault in them.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero-based offset, in bytes of the UTF-8 input, at which the problem was detected.
    ///
    /// When the input ends too early this is the input's length, i.e. one past the last byte.
    public let offset: Int

    /// What went wrong, as a lower-case clause without a final period, so that `description`
    /// can embed it in a sentence and callers can embed it in their own messages.
    public let reason: String

    /// Creates an error. Public so that code validating payloads on top of the parser can report
    /// problems in the same shape as the parser does.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// The problem as one sentence, for logs and dead-job records, e.g.
    /// "Invalid JSON at byte 17: expected ',' or '}' after an object member."
    public var description: String {
        "Invalid JSON at byte \(offset): \(reason)."
    }
}
