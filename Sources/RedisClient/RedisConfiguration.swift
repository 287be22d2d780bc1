#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how to connect to Redis, usually parsed from a URL.
///
/// Accepted forms:
/// - `redis://[user:password@]host[:port][/db]`, for example `redis://:secret@127.0.0.1:6380/2`;
/// - `rediss://[user:password@]host[:port][/db]` for TLS, with optional query parameters
///   `cacert=FILE`, `cert=FILE`, `key=FILE` and `insecure=true` (see ``RedisTLSConfiguration``);
/// - `unix:///path/to/redis.sock?db=N` (also `&password=…`, `&user=…`);
/// - `redis+sentinel://[user:password@]host1[:26379],host2[:26379]/MASTERNAME[/db]`, for example
///   `redis+sentinel://:secret@10.0.0.1,10.0.0.2,10.0.0.3/mymaster/0?sentinel_password=s3nt`: the
///   sentinels are asked which server is the master named MASTERNAME (see ``SentinelConfiguration``).
///
/// Every form also takes `wait_replicas=N` (and `wait_timeout=SECONDS`): see ``replicasToAcknowledge``.
public struct RedisConfiguration: Sendable, Equatable {
    /// The address of the server.
    public enum Endpoint: Sendable, Equatable {
        /// A TCP host (name, IPv4 or IPv6) and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket path.
        case unixSocket(path: String)
        /// Whichever server the sentinels name as the master, found again after every failover.
        case sentinel(SentinelConfiguration)
    }

    /// The URL used when neither an explicit URL nor `REDIS_URL` is given.
    public static let defaultURL = "redis://127.0.0.1:6379/0"

    /// The server address.
    public var endpoint: Endpoint
    /// The ACL user name for `AUTH user password`; nil sends `AUTH password` (the `default` user).
    public var username: String?
    /// The password; nil skips `AUTH`.
    public var password: String?
    /// The logical database selected after connecting.
    public var database: Int
    /// TLS settings; nil connects in plain text. A `rediss://` URL sets it.
    public var tls: RedisTLSConfiguration?
    /// Seconds allowed for the TCP/Unix connect (and, with TLS, again for the handshake).
    public var connectTimeout: Double = 5
    /// Seconds allowed for one reply before the connection is considered dead.
    public var commandTimeout: Double = 10
    /// How many replicas must have a push before it counts as done (Redis `WAIT`, sent in the push's
    /// pipeline); 0, the default, does not wait. Replication is asynchronous: a push the master
    /// acknowledged but had not yet sent to a replica is lost if that replica is promoted. Waiting for
    /// one replica turns that loss into a push that reports failure (and is retried by its caller).
    public var replicasToAcknowledge = 0
    /// Seconds a push waits for ``replicasToAcknowledge`` replicas before it reports failure.
    public var replicaAcknowledgementTimeout: Double = 1

    /// Creates a configuration from parts.
    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0, tls: RedisTLSConfiguration? = nil) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a Redis URL, throwing ``RedisError/invalidURL(_:reason:)`` with a reason a person can act on.
    public init(url: String) throws(RedisError) {
        self = try RedisURLParser.parse(url)
    }

    /// The configuration named by `REDIS_URL`, or ``defaultURL`` when it is unset or empty; for a
    /// `rediss://` URL, TLS settings its query leaves unset come from `REDIS_CACERT`, `REDIS_CERT`,
    /// `REDIS_KEY` and `REDIS_INSECURE` (see ``applyTLSEnvironment()``).
    public static func fromEnvironment() throws(RedisError) -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: RedisEnvironment.value("REDIS_URL") ?? defaultURL)
        try configuration.applyTLSEnvironment()
        return configuration
    }

    /// The server address as people write it, without credentials: safe for logs and error messages.
    public var displayAddress: String {
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "\(tls == nil ? "redis" : "rediss")://\(shownHost):\(port)/\(database)"
        case .unixSocket(let path):
            return "unix://\(path)?db=\(database)"
        case .sentinel(let sentinel):
            let sentinels = sentinel.sentinels.map(\.description).joined(separator: ",")
            return "redis+sentinel://\(sentinels)/\(sentinel.masterName)/\(database)"
        }
    }
}
