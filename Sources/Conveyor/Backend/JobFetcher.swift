/// Takes jobs from queues into a private in-progress list. Owned by one consumer thread: its calls
/// block that thread (for Redis, a `BLMOVE` on a connection of its own), which is why it is not
/// `Sendable` and is never called from async code.
public protocol JobFetcher: AnyObject {
    /// Moves up to `maximum` jobs from `queues` (checked in this order) into the private list, waiting
    /// up to `timeout` seconds when all are empty. Returns an empty array on timeout.
    func fetch(from queues: [String], maximum: Int, timeout: Double) throws -> [FetchedJob]

    /// Every job now in this fetcher's private lists for `queues`. After a fetch failed without an
    /// answer (the connection dropped), the backend may have moved jobs into the private list that the
    /// worker never received; the worker compares this with the jobs it holds and runs the strays.
    func heldJobs(in queues: [String]) throws -> [FetchedJob]
    /// Whether the worker should look for strays now although no fetch failed: true when the backend's
    /// server was replaced under the worker (a Redis failover, where the old master's last writes,
    /// such as acknowledgements, may be lost, leaving finished jobs in the new master's private list).
    /// Each `true` is returned once. The default is never.
    func shouldLookForStrays() -> Bool
    /// Releases the fetcher's connection.
    func close()
}

extension JobFetcher {
    /// Never: a backend whose server cannot be replaced under the worker.
    public func shouldLookForStrays() -> Bool { false }
}
