/// A worker process as `conveyor processes` shows it.
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
}
