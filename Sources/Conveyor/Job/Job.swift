/// One job in Sidekiq's wire format: a JSON object with `class`, `args`, `jid`, `queue`, `retry`,
/// `created_at` and `enqueued_at`, plus whatever other fields its writer added.
///
/// The whole object is kept as an ordered ``JSONObject`` and the typed properties read and write
/// through it, so fields this version does not know (`wrapped`, `bid`, `tags`, a newer Sidekiq's
/// additions) survive a read-modify-write unchanged, down to their number text and order.
public struct Job: Sendable, Equatable, Hashable {
    /// Every field of the job, in the order they were written.
    public var fields: JSONObject

    /// `,"enqueued_at":`, appended to a serialized job on the push path.
    static let enqueuedAtMemberStart = Array(",\"\(JobField.enqueuedAt)\":".utf8)

    /// Builds a new job the way Sidekiq's client does: a fresh `jid`, `created_at` now, `retry: true`.
    public init(
        className: String,
        args: [JSONValue] = [],
        queue: String = Job.defaultQueue,
        retry: RetryPolicy = .default,
        jid: String = JobID.generate(),
        createdAt: Double = WallClock.now()
    ) {
        // Sidekiq's own field order, built in one go (the hot path of bulk pushes).
        fields = JSONObject(distinctMembers: [
            (JobField.retry, retry.jsonValue),
            (JobField.queue, .string(queue)),
            (JobField.className, .string(className)),
            (JobField.args, .array(args)),
            (JobField.jid, .string(jid)),
            (JobField.createdAt, .number(JSONNumber(createdAt))),
        ])
    }

    /// Reads a job from its JSON, checking the fields Conveyor needs to run it.
    public init(json bytes: some Collection<UInt8>) throws(JobDecodingError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
        guard case .object(let object) = value else {
            throw .notAnObject
        }
        try self.init(fields: object)
    }

    /// Wraps an already-parsed object, checking `class`, `args`, `jid`, `queue` and `retry` by the
    /// rules every entry point shares (see ``validate()``).
    public init(fields: JSONObject) throws(JobDecodingError) {
        try Self.check(fields)
        self.fields = fields
    }

    /// The queue used when none is named, as in Sidekiq.
    public static let defaultQueue = "default"

    /// The job's class name, which selects its handler.
    public var className: String {
        get { fields[JobField.className]?.stringValue ?? "" }
        set { fields[JobField.className] = .string(newValue) }
    }

    /// The positional arguments.
    public var args: [JSONValue] {
        get { fields[JobField.args]?.arrayValue ?? [] }
        set { fields[JobField.args] = .array(newValue) }
    }

    /// The job ID: 24 lowercase hex characters when Conveyor or Sidekiq made it.
    public var jid: String {
        get { fields[JobField.jid]?.stringValue ?? "" }
        set { fields[JobField.jid] = .string(newValue) }
    }

    /// The queue this job belongs to (`default` when the field is absent).
    public var queue: String {
        get { fields[JobField.queue]?.stringValue ?? Self.defaultQueue }
        set { fields[JobField.queue] = .string(newValue) }
    }

    /// How often the job may be retried after failing.
    public var retry: RetryPolicy {
        get { RetryPolicy(jsonValue: fields[JobField.retry]) }
        set { fields[JobField.retry] = newValue.jsonValue }
    }

    /// When the job was built, in epoch seconds (read from float seconds or integer milliseconds).
    public var createdAt: Double? {
        get { Self.timestamp(fields[JobField.createdAt]) }
        set { fields[JobField.createdAt] = newValue.map { .number(JSONNumber($0)) } }
    }

    /// When the job was last pushed onto a queue list, in epoch seconds.
    public var enqueuedAt: Double? {
        get { Self.timestamp(fields[JobField.enqueuedAt]) }
        set { fields[JobField.enqueuedAt] = newValue.map { .number(JSONNumber($0)) } }
    }

    /// Failures so far minus one: absent until the first failure, 0 after it (Sidekiq's convention).
    public var retryCount: Int? {
        get { fields[JobField.retryCount]?.intValue }
        set { fields[JobField.retryCount] = newValue.map { .number(JSONNumber($0)) } }
    }

    /// The serialized JSON, compact, fields in their stored order.
    public func serialized() -> [UInt8] {
        JSONValue.object(fields).serialized()
    }

    /// The serialized JSON with `enqueued_at` set to `time`, as a push writes it. When the job has no
    /// `enqueued_at` yet (the usual case) the field is appended to the serialized bytes, which spares
    /// a copy of the fields per job on the bulk-push path.
    public func serialized(enqueuedAt time: Double) -> [UInt8] {
        serialized(enqueuedAt: time, member: Self.enqueuedAtMember(time))
    }

    /// `,"enqueued_at":TIME`: the member ``serialized(enqueuedAt:)`` appends, built once for a batch
    /// of jobs stamped with one time (the number's text costs as much as the rest of a small job).
    static func enqueuedAtMember(_ time: Double) -> [UInt8] {
        enqueuedAtMemberStart + Array(JSONNumber(time).text.utf8)
    }

    /// ``serialized(enqueuedAt:)`` with the member already built by ``enqueuedAtMember(_:)`` for `time`.
    func serialized(enqueuedAt time: Double, member: [UInt8]) -> [UInt8] {
        guard fields[JobField.enqueuedAt] == nil, !fields.isEmpty else {
            var stamped = self
            stamped.enqueuedAt = time
            return stamped.serialized()
        }
        var bytes = serialized()
        bytes.removeLast()  // the closing brace
        bytes.append(contentsOf: member)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// Reads a Sidekiq timestamp: a float is epoch seconds, an integer is epoch milliseconds (Sidekiq 8).
    static func timestamp(_ value: JSONValue?) -> Double? {
        guard case .number(let number)? = value else { return nil }
        return number.isInteger ? number.doubleValue / 1000 : number.doubleValue
    }
}
