import Conveyor

/// An admin operation named something that is not there.
public enum RedisAdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No job with this jid is in the set.
    case unknownJID(String, set: JobSet)
    /// No live worker process has this identity.
    case unknownProcess(String)
    /// The identity's heartbeat hash is still there, but the process stopped beating.
    case stoppedProcess(String, beatAge: Double)

    public var description: String {
        switch self {
        case .unknownJID(let jid, let set):
            "No job with jid \(LogText.escaped(jid)) is in the \(set.rawValue) set; `conveyor \(set == .schedule ? "scheduled" : set.rawValue) list` shows what is there."
        case .unknownProcess(let identity):
            "No live worker process has the identity \(LogText.quoted(identity)); `conveyor processes` lists them."
        case .stoppedProcess(let identity, let beatAge):
            "The worker process \(LogText.quoted(identity)) is not running: its last heartbeat was \(Int(min(beatAge, 1e9))) s ago, and a live worker beats every few seconds. Nothing was sent; `conveyor processes` lists the workers and their beat age."
        }
    }
}
