import DequeModule

/// The job runners' shared state (see ``JobRunners``). It lives inside ``InFlightJobs``' lock, so a
/// runner frees the slot of the job it finished, takes the next job and records itself as running it
/// under one lock, and the consumer counts a fetched batch as running and hands it over under one
/// too: three locks a job, taken by both threads, had cost more than a small job.
struct RunnerInbox {
    /// What to do so that a runner looks at the inbox: wake an idle one, or start a new one.
    enum Spare {
        case wake(CheckedContinuation<Bool, Never>)
        case start(JobRunner)
    }

    var inbox = Deque<JobRunners.Item>()
    /// Runners waiting for a job; resumed with false when the runners close.
    var idle: [CheckedContinuation<Bool, Never>] = []
    /// Runners alive, idle or busy.
    var count = 0
    /// A runner was woken or started for the inbox and has not looked at it yet: no other is woken
    /// meanwhile, so a burst of jobs that never suspend wakes one spare, not one runner per job.
    var isSparePending = false
    var isClosed = false
    /// Jobs the runners have finished, for the consumer thread to release (see ``JobRunners/start(_:parsed:)``).
    var spent: [JobRunners.Item] = []

    /// An idle runner to wake, or a new one while fewer than `limit` live, for the inbox's next job.
    mutating func spare(limit: Int) -> Spare? {
        guard !isSparePending, !inbox.isEmpty else { return nil }
        if let waiting = idle.popLast() {
            isSparePending = true
            return .wake(waiting)
        }
        guard count < limit else { return nil }
        count += 1
        isSparePending = true
        return .start(JobRunner())
    }
}
