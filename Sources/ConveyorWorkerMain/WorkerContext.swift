import RedisClient

/// What a worker's handlers may need from the command line that started it.
public struct WorkerContext: Sendable {
    /// The worker's own Redis client (`--redis`, `REDIS_URL`), for handlers that write to Redis; it is
    /// shared, pipelined and never blocks the loop thread. WorkerMain closes it once the worker has
    /// stopped: handlers must not close it.
    public let redis: RedisClient
    /// The key namespace (`--namespace`), if any.
    public let namespace: String?
}
