import Conveyor
import Logging
import RedisClient

extension RedisBackend {
    /// Connects to the Redis named by `url` (or `REDIS_URL`, or `redis://127.0.0.1:6379/0`) and checks
    /// it answers, so a wrong URL, password or a stopped server fails here with a clear message. A
    /// `rediss://` URL takes the TLS files it does not name from `REDIS_CACERT`, `REDIS_CERT`,
    /// `REDIS_KEY` and `REDIS_INSECURE`.
    ///
    /// The backend owns the client it makes: call ``close()`` when done with it.
    public static func connect(url: String? = nil, namespace: String? = nil, logger: Logger = Logger(label: "conveyor.redis")) async throws -> RedisBackend {
        var configuration = try url.map { url throws(RedisError) in try RedisConfiguration(url: url) } ?? RedisConfiguration.fromEnvironment()
        try configuration.applyTLSEnvironment()
        return try await connect(configuration: configuration, namespace: namespace, logger: logger)
    }

    /// Connects to the Redis `configuration` names (with TLS when it has ``RedisConfiguration/tls``)
    /// and checks it answers, as ``connect(url:namespace:logger:)`` does.
    public static func connect(configuration: RedisConfiguration, namespace: String? = nil, logger: Logger = Logger(label: "conveyor.redis")) async throws -> RedisBackend {
        let client = RedisClient(configuration: configuration, logger: logger)
        do {
            try await client.connect()
        } catch {
            await client.close()
            throw error
        }
        return RedisBackend(client: client, namespace: namespace, ownsClient: true)
    }
}
