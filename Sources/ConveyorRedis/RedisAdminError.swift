import Conveyor

/// An admin operation named something that is not there.
public enum RedisAdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No job with this jid is in the set.
    case unknownJID(String, set: JobSet)
    /// No live worker process has this identity.
    case unknownProcess(String)

    public var description: String {
        switch self {
        case .unknownJID(let jid, let set):
            "No job with jid \(jid) is in the \(set.rawValue) set; `conveyor \(set == .schedule ? "scheduled" : set.rawValue) list` shows what is there."
        case .unknownProcess(let identity):
            "No live worker process has the identity '\(identity)'; `conveyor processes` lists them."
        }
    }
}
