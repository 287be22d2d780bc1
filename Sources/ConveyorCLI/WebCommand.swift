import ArgumentParser
import Conveyor
import ConveyorRedis
import ConveyorWeb
import Foundation
import Hummingbird
import Logging

/// `conveyor web`: the dashboard, served by Hummingbird, until SIGTERM or Ctrl-C.
struct WebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve the web dashboard: queues, busy workers, retries, scheduled and dead jobs, with their actions.",
        discussion: """
        Examples:
          conveyor web                                   # http://127.0.0.1:7420/
          conveyor web --port 8080 --prefix /conveyor    # .../conveyor/
          CONVEYOR_WEB_PASSWORD=s3cret conveyor web --bind 0.0.0.0
          conveyor web --read-only                       # look, never touch

        Binding to anything but a loopback address needs a password in CONVEYOR_WEB_PASSWORD (HTTP basic auth, any user name); without one the command refuses to start (exit 64). The password also applies on loopback when set. Every action is a POST carrying a per-process CSRF token.

        Pages: / (overview, live chart), /busy, /queues, /queues/NAME, /retries, /scheduled, /dead, /jobs/JID, and /stats.json. Stops on SIGTERM or Ctrl-C.
        """
    )

    @Option(name: .long, help: ArgumentHelp("TCP port to listen on (0: any free port, printed at start).", valueName: "port"))
    var port = 7420

    @Option(name: .long, help: ArgumentHelp("Address to listen on. Anything but loopback requires CONVEYOR_WEB_PASSWORD.", valueName: "address"))
    var bind = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("Path to serve the dashboard under, e.g. /conveyor (default: the root).", valueName: "path"))
    var prefix = ""

    @Flag(name: .long, help: "Only show: no action buttons, and every POST is refused (403).")
    var readOnly = false

    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port).") }
    }

    /// Loopback addresses, reachable only from this machine: the only binds allowed without a password.
    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address == "[::1]" || address.hasPrefix("127.")
    }

    func run() async throws {
        let password = ProcessInfo.processInfo.environment["CONVEYOR_WEB_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if !Self.isLoopback(bind), password == nil {
            CommandFailure.exit(CommandFailure.usage(
                "--bind \(bind) would let anyone on the network retry, delete and kill jobs. Set CONVEYOR_WEB_PASSWORD to require a password (HTTP basic auth), or bind to 127.0.0.1 and reach it through an SSH tunnel."
            ))
        }
        let backend: RedisBackend
        do {
            backend = try await redisOptions.connect()
        } catch {
            CommandFailure.exit(error)
        }
        let dashboard = Dashboard(admin: backend, prefix: prefix, password: password, isReadOnly: readOnly)
        let router = Router()
        dashboard.addRoutes(to: router)
        let root = prefix.isEmpty ? "/" : dashboard.prefix + "/"
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(bind, port: port), serverName: "Conveyor"),
            onServerRunning: { channel in
                let shownHost = bind.contains(":") ? "[\(bind)]" : bind
                print("Conveyor dashboard on http://\(shownHost):\(channel.localAddress?.port ?? port)\(root) (Ctrl-C to stop)")
                fflush(nil) // all streams: Glibc's `stdout` global is not concurrency-safe in Swift 6
            },
            logger: Logger(label: "conveyor.web")
        )
        do {
            try await app.runService()
        } catch {
            await backend.close()
            CommandFailure.exit(error)
        }
        await backend.close()
    }
}
