/// One page of a queue's waiting jobs and the queue's length.
public struct QueuePage: Sendable, Equatable {
    /// The jobs as stored, next to run first.
    public let payloads: [[UInt8]]
    /// The position of the first job in the queue, from 0 (the next to run).
    public let offset: Int
    /// How many jobs the queue holds.
    public let total: Int

    /// Creates a page.
    public init(payloads: [[UInt8]], offset: Int, total: Int) {
        self.payloads = payloads
        self.offset = offset
        self.total = total
    }
}
