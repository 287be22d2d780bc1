/// Takes jobs from queues into a private in-progress list. Owned by one consumer thread: its calls
/// block that thread (for Redis, a `BLMOVE` on a connection of its own), which is why it is not
/// `Sendable` and is never called from async code.
public protocol JobFetcher: AnyObject {
    /// Moves up to `maximum` jobs from `queues` (checked in this order) into the private list, waiting
    /// up to `timeout` seconds when all are empty. Returns an empty array on timeout.
    func fetch(from queues: [String], maximum: Int, timeout: Double) throws -> [FetchedJob]

    /// Releases the fetcher's connection.
    func close()
}
