import ArgumentParser
import RedisClient

/// The options every executable takes to reach Redis, declared once for `conveyor`'s subcommands and
/// every worker built with WorkerMain: the URL, the key namespace and, for `rediss://`, the TLS files
/// with redis-cli's flag names.
///
/// Precedence, highest first: these flags, the URL's query parameters (`cacert`, `cert`, `key`,
/// `insecure`), then `REDIS_CACERT`, `REDIS_CERT`, `REDIS_KEY` and `REDIS_INSECURE`.
public struct RedisConnectionOptions: ParsableArguments, Sendable {
    /// `--redis URL`; nil reads `REDIS_URL`, else ``RedisConfiguration/defaultURL``.
    @Option(name: .long, help: ArgumentHelp(
        "Redis URL: redis://[user:password@]host[:port][/db], rediss://… for TLS (e.g. rediss://redis.example.com:6380/0?cacert=/etc/redis/ca.crt), unix:///path.sock?db=N, or redis+sentinel://[user:password@]host1:26379,host2:26379/MASTER[/db] to follow Sentinel failovers. Default: $REDIS_URL, else redis://127.0.0.1:6379/0.",
        valueName: "url"
    ))
    public var redis: String?

    /// `--namespace NAME`: every key is prefixed with `NAME:`.
    @Option(name: .long, help: ArgumentHelp("Prefix every key with NAMESPACE: (as the redis-namespace gem does).", valueName: "namespace"))
    public var namespace: String?

    /// `--cacert FILE`: the CAs a `rediss://` server's certificate must chain to.
    @Option(name: .long, help: ArgumentHelp(
        "TLS: trust the CA certificates in this PEM file, e.g. --cacert /etc/redis/tls/ca.crt (rediss:// only). Default: $REDIS_CACERT, else the system's CAs.",
        valueName: "file"
    ))
    public var cacert: String?

    /// `--cert FILE`: the client certificate for servers that authenticate clients.
    @Option(name: .long, help: ArgumentHelp(
        "TLS: present this PEM client certificate, e.g. --cert client.crt --key client.key (with --key; rediss:// only). Default: $REDIS_CERT.",
        valueName: "file"
    ))
    public var cert: String?

    /// `--key FILE`: the private key of `--cert`.
    @Option(name: .long, help: ArgumentHelp("TLS: the PEM private key of --cert. Default: $REDIS_KEY.", valueName: "file"))
    public var key: String?

    /// `--insecure`: skip verifying the server's certificate and name.
    @Flag(name: .long, help: "TLS: do not verify the server's certificate or host name (encrypted, but anyone on the path can pose as the server; for tests only). Default: $REDIS_INSECURE.")
    public var insecure = false

    /// The options before parsing: what ArgumentParser starts from.
    public init() {}

    /// A malformed `--redis`, or a TLS flag with a plain URL, is a usage error (exit 64, with usage),
    /// found before anything connects; a bad `REDIS_URL` is reported when connecting.
    public func validate() throws {
        if let redis {
            do {
                _ = try RedisConfiguration(url: redis)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let given = [("--cacert", cacert != nil), ("--cert", cert != nil), ("--key", key != nil), ("--insecure", insecure)].filter(\.1).map(\.0)
        if let flag = given.first, let configuration = try? configuration(), configuration.tls == nil {
            throw ValidationError("\(flag) is a TLS setting, but the Redis URL \(configuration.displayAddress) is not rediss://; write the URL as rediss://host:port/db.")
        }
    }

    /// The configuration these options name: the URL (`--redis`, `REDIS_URL` or the default), the
    /// TLS environment variables, then the TLS flags.
    public func configuration() throws(RedisError) -> RedisConfiguration {
        var configuration: RedisConfiguration
        if let redis {
            configuration = try RedisConfiguration(url: redis)
            try configuration.applyTLSEnvironment()
        } else {
            configuration = try RedisConfiguration.fromEnvironment()
        }
        if var tls = configuration.tls {
            tls.caCertificatePath = cacert ?? tls.caCertificatePath
            tls.certificatePath = cert ?? tls.certificatePath
            tls.privateKeyPath = key ?? tls.privateKeyPath
            if insecure { tls.verifiesServer = false }
            configuration.tls = tls
        }
        return configuration
    }
}
