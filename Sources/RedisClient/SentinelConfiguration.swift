/// The sentinels to ask for a master, and how to talk to them: the part of a
/// `redis+sentinel://host1:26379,host2:26379/MASTERNAME` URL that names no data server.
///
/// The master's own credentials, database and timeouts stay in ``RedisConfiguration``; sentinels
/// often have a password of their own (`sentinel_password=` in the URL), or none.
public struct SentinelConfiguration: Sendable, Hashable {
    /// One sentinel's address.
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        /// A host name, IPv4 or IPv6 address.
        public var host: String
        /// The sentinel's port, 26379 unless the URL says otherwise.
        public var port: Int

        /// Creates an address.
        public init(host: String, port: Int = SentinelConfiguration.defaultPort) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with an IPv6 address in brackets.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// The port sentinels listen on by default.
    public static let defaultPort = 26379

    /// The name sentinels monitor the master under (`sentinel monitor NAME host port quorum`).
    public var masterName: String
    /// The sentinels, asked in this order (the one that answered last is asked first next time).
    public var sentinels: [Address]
    /// The ACL user for `AUTH` on the sentinels; nil sends `AUTH password`.
    public var username: String?
    /// The sentinels' password (`requirepass` in sentinel.conf); nil skips `AUTH`.
    public var password: String?
    /// Seconds allowed to connect to one sentinel and for each of its replies. Short, as the Sentinel
    /// client guidelines ask: a sentinel that is down costs this much before the next one is tried.
    public var timeout: Double = 0.5

    /// Creates a sentinel configuration.
    public init(masterName: String, sentinels: [Address], username: String? = nil, password: String? = nil) {
        self.masterName = masterName
        self.sentinels = sentinels
        self.username = username
        self.password = password
    }
}
