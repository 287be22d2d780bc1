import Conveyor
import RedisClient

/// What a `conveyor` user can do about a library error. The libraries say what happened; only the
/// command line knows its flags (`--redis`), the `REDIS_URL` it reads and the commands that show more.
/// (Worker executables have their own ``RedisErrorAdvice`` in ConveyorWorkerMain: executables share
/// no module.)
enum ErrorAdvice {
    /// The error's message, followed by advice when there is some.
    static func message(for error: any Error) -> String {
        let advice: String? = switch error {
        case let error as RedisError: advice(for: error)
        case let error as AdminError: advice(for: error)
        default: nil
        }
        guard let advice else { return "\(error)" }
        return "\(error) \(advice)"
    }

    /// Where the address and credentials come from, for the errors they can cause.
    static func advice(for error: RedisError) -> String? {
        switch error {
        case .connectionFailed:
            "Is redis-server running there? Set the address with --redis URL or REDIS_URL."
        case .authenticationFailed:
            "Give that URL with --redis URL or REDIS_URL."
        case .invalidURL:
            "Fix the URL given with --redis or REDIS_URL."
        default:
            nil
        }
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
        }
    }
}
