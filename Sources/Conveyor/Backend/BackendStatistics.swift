/// A snapshot of a backend's sizes and counters.
public struct BackendStatistics: Sendable, Equatable, Codable {
    /// Each known queue's length.
    public var queues: [String: Int]
    /// `stat:processed`: jobs run.
    public var processed: Int
    /// `stat:failed`: jobs that failed.
    public var failed: Int
    /// Jobs held in workers' private in-progress lists.
    public var inProgress: Int
    /// Size of the retry set.
    public var retries: Int
    /// Size of the schedule set.
    public var scheduled: Int
    /// Size of the dead set.
    public var dead: Int
    /// Live worker processes.
    public var processes: Int

    /// Creates a snapshot.
    public init(queues: [String: Int] = [:], processed: Int = 0, failed: Int = 0, inProgress: Int = 0, retries: Int = 0, scheduled: Int = 0, dead: Int = 0, processes: Int = 0) {
        self.queues = queues
        self.processed = processed
        self.failed = failed
        self.inProgress = inProgress
        self.retries = retries
        self.scheduled = scheduled
        self.dead = dead
        self.processes = processes
    }

    /// Jobs waiting in all queues.
    public var enqueued: Int { queues.values.reduce(0, +) }
}
