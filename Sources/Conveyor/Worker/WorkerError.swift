/// Why a worker could not run or had to stop.
public enum WorkerError: Error, Sendable, CustomStringConvertible, Equatable {
    /// `run()` was called twice.
    case alreadyStarted
    /// The backend refused an activity the worker cannot do without (fetching, the heartbeat,
    /// acknowledging) for a reason retrying cannot fix, such as a missing permission.
    case backendRefused(activity: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyStarted:
            "This worker has already run; create a new Worker to run again."
        case .backendRefused(let activity, let reason):
            "\(activity) failed in a way retrying cannot fix: \(reason). Fix the cause (for an ACL user: grant the commands Conveyor needs, see the README) and start the worker again."
        }
    }
}
