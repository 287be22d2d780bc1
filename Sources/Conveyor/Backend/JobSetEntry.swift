import ConveyorSupport

/// One member of the schedule, retry or dead set.
public struct JobSetEntry: Sendable, Equatable {
    /// The score: run time for schedule and retry, time of death for dead (epoch seconds).
    public let score: Double
    /// The member exactly as stored.
    public let payload: [UInt8]

    /// Creates an entry.
    public init(score: Double, payload: [UInt8]) {
        self.score = score
        self.payload = payload
    }

    /// The member read as a job; `nil` when it is not one.
    public var job: Job? { try? Job(json: payload) }

    /// The member's fields when it is a JSON object, even one that is not a valid job (a malformed
    /// payload set aside in the dead set), so such entries can still be listed and found by jid.
    public var fields: JSONObject? { (try? JSONValue.parse(payload))?.objectValue }

    /// The member's `jid`, read from its fields whether or not it is a valid job.
    public var jid: String? { fields?[JobField.jid]?.stringValue }

    /// The queue the member goes to when it is enqueued now: its own, or the default queue for a
    /// member that is not a job, where the worker that fetches it sends it to the dead set with the
    /// reason (see ``EncodedJob/init(releasing:now:)``).
    public var queue: String { job?.queue ?? Job.defaultQueue }

    /// What names this entry for `conveyor dead delete|retry` and ``JobAdministration``: its `jid`, or for a member without one
    /// (not JSON, or JSON that is not a job object) ``payloadIDPrefix`` and the start of the payload's
    /// SHA-1, so every entry can be deleted or retried one at a time.
    public var id: String {
        jid ?? Self.payloadIDPrefix + String(SHA1.hexDigest(of: payload).prefix(16))
    }

    /// How ``id`` marks an entry named by its content.
    public static let payloadIDPrefix = "payload-"

    /// Why the member is not a job, or `nil` when it is one. It depends on the bytes alone, so the
    /// reason a worker gave when it buried the payload is found again here even for bytes that could
    /// not carry it (`conveyor dead list` shows it).
    public var problem: String? {
        do {
            _ = try Job(json: payload)
            return nil
        } catch {
            return error.description
        }
    }

    /// A label for a member without a class: `(not JSON)` or `(not a job)`.
    public var label: String {
        (try? JSONValue.parse(payload)) == nil ? "(not JSON)" : "(not a job)"
    }

    /// Whether the member's stored bytes contain `text`'s UTF-8 bytes: the dashboard's filter, the same
    /// on every backend (a class name, a jid, an argument or an error message all appear in the JSON).
    public func contains(_ text: String) -> Bool {
        Self.bytes(payload, contain: Array(text.utf8))
    }

    /// Whether `haystack` contains `needle` (an empty needle is in everything).
    public static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            var index = 1
            while index < needle.count, haystack[start + index] == needle[index] { index += 1 }
            if index == needle.count { return true }
        }
        return false
    }
}
