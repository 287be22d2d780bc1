/// What crash recovery does with one job found in a dead worker's private list. Both backends use it,
/// so they count recoveries the same way.
///
/// The count lives in the job itself, in a Conveyor field `recovery_count`, written while the job is
/// being moved anyway. That keeps acknowledgement (the hot path) a plain `LREM` with no bookkeeping
/// to clean up, and needs no side hash that could outlive its jobs. Other fields, their order and
/// their number text are untouched, so Sidekiq reads the job as before.
///
/// Only jobs that were running when their worker died are blamed. A worker cannot afford a backend
/// write before every job it starts, so the first recovery counts every job in the list; from then on
/// the job is a suspect, its worker marks it as started before running it, and a later recovery counts
/// it again only if that mark is there. Jobs that were merely fetched alongside a poison pill (a batch
/// that never started because the pill killed the process first) stay at one recovery however often
/// the pill crashes its workers.
public enum RecoveryDecision: Sendable, Equatable {
    /// Back to the queue's pop end with this payload.
    case requeue(payload: [UInt8])
    /// To the dead set with this payload: a poison pill.
    case bury(payload: [UInt8])

    /// The field that counts how often a job was recovered from crashed workers.
    public static let countField = JobField.recoveryCount

    /// Decides for one payload. `wasStarted`: the dead worker had marked this job as started (see
    /// ``isSuspect(_:)``). A payload that is not a JSON object is requeued unchanged: the worker that
    /// fetches it next sends it to the dead set with the reason.
    public static func decide(payload: [UInt8], wasStarted: Bool, policy: RecoveryPolicy, now: Double) -> RecoveryDecision {
        guard case .object(var fields)? = try? JSONValue.parse(payload) else { return .requeue(payload: payload) }
        let previous = recoveries(in: fields[countField])
        if previous > 0 && !wasStarted {
            // A suspect that never started on the dead worker: it did not kill it.
            return .requeue(payload: payload)
        }
        let count = previous == Int.max ? previous : previous + 1
        guard count > policy.maximumRecoveries else {
            fields[countField] = .number(JSONNumber(count))
            return .requeue(payload: JSONValue.object(fields).serialized())
        }
        fields[countField] = .number(JSONNumber(count - 1))
        fields[JobField.errorMessage] = .string(poisonPillMessage(recoveries: count - 1))
        fields[JobField.errorClass] = .string("Conveyor::PoisonPill")
        fields[JobField.failedAt] = .number(JSONNumber(now))
        return .bury(payload: JSONValue.object(fields).serialized())
    }

    /// Whether a job was recovered from a crashed worker before: its worker marks it as started in the
    /// backend before running it, so that only a crash while it runs counts against it.
    public static func isSuspect(_ job: Job) -> Bool {
        recoveries(in: job.field(countField)) > 0
    }

    /// The recovery count a field holds: 0 when absent or not a number, clamped to `Int`'s range (a
    /// payload may hold any number).
    static func recoveries(in value: JSONValue?) -> Int {
        guard case .number(let number)? = value else { return 0 }
        if let exact = number.intValue { return max(0, exact) }
        let approximate = number.doubleValue
        guard !approximate.isNaN, approximate > 0 else { return 0 }
        return approximate >= Double(Int.max) ? Int.max : Int(approximate)
    }

    /// The `error_message` of a poison pill.
    public static func poisonPillMessage(recoveries: Int) -> String {
        "The job was recovered from crashed workers \(recoveries) times and its worker died again while running it; "
            + "it is treated as a poison pill and sent to the dead set instead of running again."
    }
}
