/// A typed job: a `Codable` value whose type names the job class.
///
/// The value travels as the job's single argument (`"args": [{...}]`), the shape Sidekiq users
/// expect from a job that takes one hash.
///
/// ```swift
/// struct SendWelcomeEmail: JobParameters {
///     static let jobName = "SendWelcomeEmail"
///     let userID: Int
/// }
/// ```
public protocol JobParameters: Codable, Sendable {
    /// The job's class name on the wire; pick a stable name, it outlives refactors of the Swift type.
    static var jobName: String { get }
    /// The queue used when `push` names none. Default: `default`.
    static var queue: String { get }
    /// How often a failure is retried. Default: ``RetryPolicy/default`` (25 times).
    static var retry: RetryPolicy { get }
    /// Seconds to wait before the retry that follows failure number `retryCount + 1` (Sidekiq's
    /// `retry_count`, 0 after the first failure); `nil` means Sidekiq's formula,
    /// `count**4 + 15 + rand(10) * (count + 1)`. Default: `nil` for every count.
    static func retryDelay(forRetryCount retryCount: Int) -> Double?
    /// How long one run may take; at the deadline the handler's task is cancelled and the run fails
    /// (and is retried by the usual rules). Cancellation is cooperative: the run ends when the handler
    /// next checks it (any `await` of `Task.sleep` or a Redis call does). Default: `nil`, no limit.
    static var timeout: Duration? { get }

    /// Makes the type's jobs unique for this long (`unique_for`): while one with the same args is
    /// queued, scheduled, retrying or running, a second push is skipped. Default: nil, not unique.
    static var uniqueFor: Duration? { get }

    /// When a unique job's lock ends: `.success` (the default) or `.start`.
    static var uniqueUntil: UniqueUntil { get }
}

extension JobParameters {
    /// The default queue, `default`.
    public static var queue: String { Job.defaultQueue }
    /// The default retry policy, 25 retries.
    public static var retry: RetryPolicy { .default }
    /// Sidekiq's delay formula for every retry.
    public static func retryDelay(forRetryCount retryCount: Int) -> Double? { nil }
    /// No timeout.
    public static var timeout: Duration? { nil }
    public static var uniqueFor: Duration? { nil }
    public static var uniqueUntil: UniqueUntil { .success }

    /// The value as the job's arguments: a one-element array holding the encoded value.
    ///
    /// Encoded straight to a `JSONValue` (no JSON text in between), in the form `JSONEncoder`
    /// wrote before, so jobs already queued and other readers see the same payload.
    ///
    /// - Throws: `EncodingError` for a value JSON cannot hold, such as a `Double` that is infinite
    ///   or NaN; the message names the field.
    public func encodedArguments() throws -> [JSONValue] {
        [try JobParametersCoding.encoder.encode(self)]
    }

    /// Decodes the value from a job's arguments, failing with a message that names the job class.
    public static func decode(from args: [JSONValue]) throws -> Self {
        guard args.count == 1, let argument = args.first else {
            throw JobArgumentsError(jobClass: jobName, reason: "expected exactly one argument holding a \(Self.self) object, got \(args.count)")
        }
        do {
            return try JobParametersCoding.decoder.decode(Self.self, from: argument)
        } catch let error as DecodingError {
            throw JobArgumentsError(jobClass: jobName, reason: JobArgumentsError.explain(error))
        }
    }
}
