import ArgumentParser
import Conveyor

/// `conveyor stop IDENTITY`: tells a worker process to shut down gracefully, as on SIGTERM (Sidekiq's TERM).
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Tell a worker process to shut down gracefully, as on SIGTERM (Sidekiq's TERM).",
        discussion: """
        Examples:
          conveyor stop web-1:4242:0a1b2c3d4e5f
          conveyor processes --json | jq -r '.[].identity' | xargs -n1 conveyor stop
          conveyor stop web-1:4242:0a1b2c3d4e5f --json --namespace myapp --redis redis://10.0.0.5:6379/0

        Pushes TERM onto the process's signals list, as Sidekiq's API does; the process obeys at its
        next heartbeat, within 5 seconds. An identity with no live process prints a message and exits 1.
        """
    )

    @Argument(help: ArgumentHelp("The process identity, as `conveyor processes` shows it.", valueName: "identity"))
    var identity: String

    @Flag(name: .long, help: "Print JSON for scripts instead of a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        await redisOptions.withAdmin { admin in try await admin.send(.stop, to: identity) }
        if json {
            print(JSONValue.object(["identity": .string(identity), "signal": .string(WorkerSignal.stop.rawValue)]).jsonString)
        } else {
            print("Sent TERM to \(identity).")
        }
    }
}
