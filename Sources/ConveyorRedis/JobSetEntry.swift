import Conveyor

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
    public var jid: String? { fields?["jid"]?.stringValue }
}
