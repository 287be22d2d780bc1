/// One job in Sidekiq's wire format: a JSON object with `class`, `args`, `jid`, `queue`, `retry`,
/// `created_at` and `enqueued_at`, plus whatever other fields its writer added.
///
/// The whole object is kept as an ordered ``JSONObject`` and the typed properties read and write
/// through it, so fields this version does not know (`wrapped`, `bid`, `tags`, a newer Sidekiq's
/// additions) survive a read-modify-write unchanged, down to their number text and order.
public struct Job: Sendable, Equatable, Hashable {
    /// Where the fields are: decoded, or still in a fetched payload (see ``OutlinedJob``).
    private enum Storage: Sendable {
        case decoded(JSONObject)
        case outlined(OutlinedJob)
    }

    private var storage: Storage

    /// Every field of the job, in the order they were written.
    public var fields: JSONObject {
        get {
            switch storage {
            case .decoded(let fields): fields
            case .outlined(let outlined): outlined.fields
            }
        }
        _modify {
            var fields = self.fields
            // Dropped meanwhile, so `fields` is the only reference and changes in place.
            storage = .decoded(JSONObject())
            defer { storage = .decoded(fields) }
            yield &fields
        }
        set {
            storage = .decoded(newValue)
        }
    }

    /// One field, without decoding the others of a fetched job.
    func field(_ key: String) -> JSONValue? {
        switch storage {
        case .decoded(let fields): fields[key]
        case .outlined(let outlined): outlined.field(key)
        }
    }

    /// Two jobs are equal when their fields are (see ``JSONObject``'s equality), however they were read.
    public static func == (lhs: Job, rhs: Job) -> Bool {
        lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
    }

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
        storage = .decoded(JSONObject(distinctMembers: [
            (JobField.retry, retry.jsonValue),
            (JobField.queue, .string(queue)),
            (JobField.className, .string(className)),
            (JobField.args, .array(args)),
            (JobField.jid, .string(jid)),
            (JobField.createdAt, .number(JSONNumber(createdAt))),
        ]))
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
        storage = .decoded(fields)
    }

    /// Reads a fetched job as ``init(json:)`` does, with the same checks and the same errors, but
    /// decodes only its class, jid and queue now: the worker's consumer thread reads every job this
    /// way (see ``OutlinedJob``).
    init(outlining payload: [UInt8]) throws(JobDecodingError) {
        let outlined: JSONObjectOutline?
        do {
            outlined = try JSONObjectOutline(payload)
        } catch {
            throw .invalidJSON(error)
        }
        guard let outline = outlined else { throw .notAnObject }
        let rule = JobRuleFields(outline.members.lazy.map { (key: $0.key, value: $0) })
        func value(_ member: JSONObjectOutline.Member?) -> JSONValue? {
            member.map { outline.value(of: $0, in: payload) }
        }
        // `args` is only checked to be an array here, so an array is not decoded.
        let args = rule.args.map { member in
            payload[member.valueRange.lowerBound] == UInt8(ascii: "[") ? JSONValue.array([]) : outline.value(of: member, in: payload)
        }
        let className = value(rule.className), jid = value(rule.jid), queue = value(rule.queue)
        try Self.check(className: className, args: args, jid: jid, queue: queue, retry: value(rule.retry))
        storage = .outlined(OutlinedJob(
            payload: payload, outline: outline, className: className?.stringValue ?? "", jid: jid?.stringValue ?? "", queue: queue?.stringValue
        ))
    }

    /// The queue used when none is named, as in Sidekiq.
    public static let defaultQueue = "default"

    /// The job's class name, which selects its handler.
    public var className: String {
        get {
            if case .outlined(let outlined) = storage { return outlined.className }
            return fields[JobField.className]?.stringValue ?? ""
        }
        set { fields[JobField.className] = .string(newValue) }
    }

    /// The positional arguments.
    public var args: [JSONValue] {
        get { field(JobField.args)?.arrayValue ?? [] }
        set { fields[JobField.args] = .array(newValue) }
    }

    /// The job ID: 24 lowercase hex characters when Conveyor or Sidekiq made it.
    public var jid: String {
        get {
            if case .outlined(let outlined) = storage { return outlined.jid }
            return fields[JobField.jid]?.stringValue ?? ""
        }
        set { fields[JobField.jid] = .string(newValue) }
    }

    /// The queue this job belongs to (`default` when the field is absent).
    public var queue: String {
        get {
            if case .outlined(let outlined) = storage { return outlined.queue ?? Self.defaultQueue }
            return fields[JobField.queue]?.stringValue ?? Self.defaultQueue
        }
        set { fields[JobField.queue] = .string(newValue) }
    }

    /// How often the job may be retried after failing.
    public var retry: RetryPolicy {
        get { RetryPolicy(jsonValue: field(JobField.retry)) }
        set { fields[JobField.retry] = newValue.jsonValue }
    }

    /// When the job was built, in epoch seconds (read from float seconds or integer milliseconds).
    public var createdAt: Double? {
        get { Self.timestamp(field(JobField.createdAt)) }
        set { fields[JobField.createdAt] = newValue.map { .number(JSONNumber($0)) } }
    }

    /// When the job was last pushed onto a queue list, in epoch seconds.
    public var enqueuedAt: Double? {
        get { Self.timestamp(field(JobField.enqueuedAt)) }
        set { fields[JobField.enqueuedAt] = newValue.map { .number(JSONNumber($0)) } }
    }

    /// Failures so far minus one: absent until the first failure, 0 after it (Sidekiq's convention).
    public var retryCount: Int? {
        get { field(JobField.retryCount)?.intValue }
        set { fields[JobField.retryCount] = newValue.map { .number(JSONNumber($0)) } }
    }

    /// The serialized JSON, compact, fields in their stored order.
    public func serialized() -> [UInt8] {
        JSONValue.object(fields).serialized()
    }

    /// The serialized JSON with `enqueued_at` set to `time`, as a push writes it. When the job has no
    /// `enqueued_at` yet (the usual case) the field is written before the closing brace in the same
    /// buffer, which spares a copy of the fields, and of the text, per job on the bulk-push path.
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
        return JSONValue.object(fields).serialized(insertingBeforeClosingBrace: member)
    }

    /// Reads a Sidekiq timestamp: a float is epoch seconds, an integer is epoch milliseconds (Sidekiq 8).
    static func timestamp(_ value: JSONValue?) -> Double? {
        guard case .number(let number)? = value else { return nil }
        return number.isInteger ? number.doubleValue / 1000 : number.doubleValue
    }
}
