/// An admin operation named something that is not there, on any backend.
public enum AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No entry with this ID (a jid, or `payload-` and a SHA-1, see ``JobSetEntry/id``) is in the set.
    case unknownJID(String, set: JobSet)
    /// No live worker process has this identity.
    case unknownProcess(String)
    /// The identity's heartbeat is still recorded, but the process stopped beating: its lease expired,
    /// or, for a process without one, its beat is `beatAge` seconds old.
    case stoppedProcess(String, beatAge: Double)
    /// No job with this ID waits in the queue.
    case unknownQueuedJob(String, queue: String)
    /// No job with this jid is queued, scheduled, waiting for a retry or fetched by a worker.
    case unknownJob(String)

    /// What is missing, as a full sentence; the `conveyor` CLI adds which command shows what is there.
    public var description: String {
        switch self {
        case .unknownJID(let jid, let set):
            "No job with jid \(LogText.escaped(jid)) is in the \(set.rawValue) set."
        case .unknownQueuedJob(let id, let queue):
            "No job with jid \(LogText.escaped(id)) waits in queue \(LogText.quoted(queue)); a worker may have fetched it already."
        case .unknownJob(let jid):
            "No job with jid \(LogText.escaped(jid)) is queued, scheduled, waiting for a retry or running; it may have finished already, or be dead."
        case .unknownProcess(let identity):
            "No live worker process has the identity \(LogText.quoted(identity))."
        case .stoppedProcess(let identity, let beatAge):
            "The worker process \(LogText.quoted(identity)) is not running: its last heartbeat was \(Self.wholeSeconds(beatAge)) s ago, and a live worker beats every few seconds. Nothing was sent."
        }
    }

    /// Whole seconds within 0 … 1e9: a `beat` field is whatever Redis holds, and `nan` or `inf` there
    /// must not trap the conversion.
    static func wholeSeconds(_ seconds: Double) -> Int {
        seconds.isNaN ? 0 : Int(min(max(0, seconds), 1e9))
    }
}
