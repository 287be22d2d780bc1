import ArgumentParser
import Logging
import Conveyor
import ConveyorLogging
import ConveyorRedis
import RedisClient

/// The options every subcommand takes to reach Redis.
struct RedisOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Redis URL: redis://[user:password@]host[:port][/db] or unix:///path.sock?db=N. Default: $REDIS_URL, else redis://127.0.0.1:6379/0.",
        valueName: "url"
    ))
    var redis: String?

    @Option(name: .long, help: ArgumentHelp("Prefix every key with NAMESPACE: (as the redis-namespace gem does).", valueName: "namespace"))
    var namespace: String?

    @OptionGroup var logOptions: LogOptions

    /// A malformed `--redis` is a usage error (exit 64, with usage), found before anything connects.
    func validate() throws {
        if let redis {
            do {
                _ = try RedisConfiguration(url: redis)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// Connects to Redis. Logging starts here, with the first (and only) logger a command makes; the
    /// settings were checked when the arguments were parsed.
    func connect() async throws -> RedisBackend {
        (try? logOptions.settings())?.bootstrap()
        return try await RedisBackend.connect(url: redis, namespace: namespace, logger: Logger(label: "conveyor.redis"))
    }

    /// Connects, runs one admin operation and closes; any failure (including an unknown jid or
    /// identity) prints its message and exits 1; a bad `REDIS_URL` exits 64. The operation sees only
    /// ``JobAdministration``, so the admin commands work on any backend that conforms.
    func withAdmin<Result>(_ operation: (any JobAdministration) async throws -> Result) async -> Result {
        do {
            let backend = try await connect()
            defer { backend.close() }
            return try await operation(backend)
        } catch {
            CommandFailure.exit(error)
        }
    }
}
