import ArgumentParser
import Logging
import Conveyor
import ConveyorCommandLine
import ConveyorLogging
import ConveyorRedis
import RedisClient

/// The options every subcommand takes to reach Redis: the connection flags shared with the worker
/// executables, and the log flags.
struct RedisOptions: ParsableArguments {
    @OptionGroup var connection: RedisConnectionOptions

    @OptionGroup var logOptions: LogOptions

    /// Connects to Redis. Logging starts here, with the first (and only) logger a command makes; the
    /// settings were checked when the arguments were parsed.
    func connect() async throws -> RedisBackend {
        (try? logOptions.settings())?.bootstrap()
        return try await RedisBackend.connect(configuration: connection.configuration(), namespace: connection.namespace, logger: Logger(label: "conveyor.redis"))
    }

    /// Connects, runs `operation` with the backend and closes it however the operation ends; any
    /// failure (connecting included) prints its message and exits: 64 for a bad `REDIS_URL`, else 1.
    func withBackend<Result>(_ operation: (RedisBackend) async throws -> Result) async -> Result {
        let backend: RedisBackend
        do {
            backend = try await connect()
        } catch {
            CommandFailure.exit(error)
        }
        do {
            let result = try await operation(backend)
            await backend.close()
            return result
        } catch {
            await backend.close()
            CommandFailure.exit(error)
        }
    }

    /// Connects, runs one admin operation and closes, as ``withBackend(_:)`` (an unknown jid or
    /// identity also exits 1). The operation sees only ``JobAdministration``, so the admin commands work
    /// on any backend that conforms.
    func withAdmin<Result>(_ operation: (any JobAdministration) async throws -> Result) async -> Result {
        await withBackend { backend in try await operation(backend) }
    }
}
