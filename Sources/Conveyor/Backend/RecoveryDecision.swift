/// What crash recovery does with one job found in a dead worker's private list. Both backends use it,
/// so they count recoveries the same way.
///
/// The count lives in the job itself, in a Conveyor field `recovery_count`, written while the job is
/// being moved anyway. That keeps acknowledgement (the hot path) a plain `LREM` with no bookkeeping
/// to clean up, and needs no side hash that could outlive its jobs. Other fields, their order and
/// their number text are untouched, so Sidekiq reads the job as before.
public enum RecoveryDecision: Sendable, Equatable {
    /// Back to the queue's pop end with this payload.
    case requeue(payload: [UInt8])
    /// To the dead set with this payload: a poison pill.
    case bury(payload: [UInt8])

    /// The field that counts how often a job was recovered from crashed workers.
    public static let countField = "recovery_count"

    /// Decides for one payload. A payload that is not a JSON object is requeued unchanged: the worker
    /// that fetches it next sends it to the dead set with the reason.
    public static func decide(payload: [UInt8], policy: RecoveryPolicy, now: Double) -> RecoveryDecision {
        guard case .object(var fields)? = try? JSONValue.parse(payload) else { return .requeue(payload: payload) }
        let count = min(fields[countField]?.intValue ?? 0, Int.max - 1) + 1  // a payload may hold Int.max
        guard count > policy.maximumRecoveries else {
            fields[countField] = .number(JSONNumber(count))
            return .requeue(payload: JSONValue.object(fields).serialized())
        }
        fields[countField] = .number(JSONNumber(count - 1))
        fields["error_message"] = .string(poisonPillMessage(recoveries: count - 1))
        fields["error_class"] = .string("Conveyor::PoisonPill")
        fields["failed_at"] = .number(JSONNumber(now))
        return .bury(payload: JSONValue.object(fields).serialized())
    }

    /// The `error_message` of a poison pill.
    public static func poisonPillMessage(recoveries: Int) -> String {
        "The job was recovered from crashed workers \(recoveries) times and its worker died again; "
            + "it is treated as a poison pill and sent to the dead set instead of running again."
    }
}
