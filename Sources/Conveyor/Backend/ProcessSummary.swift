/// A live worker process as `conveyor processes` shows it, read from its last heartbeat.
public struct ProcessSummary: Sendable, Equatable {
    /// `hostname:pid:random-hex`.
    public let identity: String
    /// Jobs running at the last beat.
    public let busy: Int
    /// Seconds since the last beat.
    public let beatAge: Double
    /// Whether the process has stopped fetching.
    public let isQuiet: Bool
    /// The queues it serves, in its order.
    public let queues: [String]
    /// The heartbeat's whole `info` (hostname, pid, `started_at`, `concurrency`, tag, …), for a
    /// dashboard that shows more than the CLI.
    public let info: JSONObject

    /// Creates a summary.
    public init(identity: String, busy: Int, beatAge: Double, isQuiet: Bool, queues: [String], info: JSONObject = JSONObject()) {
        self.identity = identity
        self.busy = busy
        self.beatAge = beatAge
        self.isQuiet = isQuiet
        self.queues = queues
        self.info = info
    }

    /// When the process started (epoch seconds), from `info.started_at`.
    public var startedAt: Double? { info["started_at"]?.doubleValue }

    /// How many jobs it runs at once, from `info.concurrency`.
    public var concurrency: Int? { info["concurrency"]?.intValue }

    /// The queue names in a heartbeat's `info`, each once, in the process's order: a weighted worker
    /// lists a queue as often as its weight (Sidekiq's `queues` field does the same).
    public static func queues(in info: JSONObject) -> [String] {
        var queues: [String] = []
        for queue in info["queues"]?.arrayValue ?? [] {
            if let name = queue.stringValue, !queues.contains(name) { queues.append(name) }
        }
        return queues
    }
}
