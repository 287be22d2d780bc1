/// A job taken from a queue by a worker: its exact payload bytes (the key to acknowledge it in a
/// private list) plus where it came from.
public struct FetchedJob: Sendable, Hashable {
    /// The queue it was fetched from.
    public let queue: String
    /// The payload exactly as stored; acknowledging removes this exact value from the private list.
    public let payload: [UInt8]
    /// The identity of the worker process holding it.
    public let owner: String

    /// Creates a fetched job record.
    public init(queue: String, payload: [UInt8], owner: String) {
        self.queue = queue
        self.payload = payload
        self.owner = owner
    }
}
