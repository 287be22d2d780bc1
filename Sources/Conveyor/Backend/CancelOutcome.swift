/// What ``JobAdministration/cancel(jid:)`` did with a job.
public enum CancelOutcome: Sendable, Equatable {
    /// The job was waiting in this queue and was removed from it.
    case dequeued(queue: String)
    /// The job was in the schedule or retry set and was removed from it.
    case removed(from: JobSet)
    /// The job had been fetched by the worker process `owner`: a cancel mark is set, which that worker
    /// reads with its next heartbeat and answers by cancelling the job's task. The run then ends
    /// without a retry.
    case cancelling(owner: String)
}
