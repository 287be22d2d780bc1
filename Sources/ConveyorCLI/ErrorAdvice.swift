import Conveyor
import ConveyorCommandLine
import RedisClient

/// What a `conveyor` user can do about a library error. The libraries say what happened; only the
/// command line knows its flags (`--redis`), the `REDIS_URL` it reads and the commands that show more.
/// The advice about Redis addresses is shared with the worker executables (``RedisErrorAdvice``).
enum ErrorAdvice {
    /// The error's message, followed by advice when there is some.
    static func message(for error: any Error) -> String {
        let advice: String? = switch error {
        case let error as RedisError: RedisErrorAdvice.advice(for: error)
        case let error as AdminError: advice(for: error)
        default: nil
        }
        guard let advice else { return "\(error)" }
        return "\(error) \(advice)"
    }

    /// The command that shows what is there instead.
    static func advice(for error: AdminError) -> String {
        switch error {
        case .unknownJID(_, let set):
            "`conveyor \(set == .schedule ? "scheduled" : set.rawValue) list` shows what is there."
        case .unknownProcess:
            "`conveyor processes` lists the live workers."
        case .stoppedProcess:
            "`conveyor processes` lists the workers and their beat age."
        case .unknownJob:
            "It may have finished already, or be dead: `conveyor dead list` shows the dead set."
        case .unknownQueuedJob(_, let queue):
            "`conveyor web` shows what waits in queue \(queue)."
        }
    }
}
