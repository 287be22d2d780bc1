import ArgumentParser
import Conveyor

/// `conveyor scheduled list`: the schedule set.
struct ScheduledCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduled",
        abstract: "List the jobs scheduled to run later.",
        discussion: """
        Examples:
          conveyor scheduled list                          soonest first, as a table
          conveyor scheduled list --limit 1000 --json      up to 1,000 entries as JSON for scripts
          conveyor scheduled list --namespace myapp --redis redis://10.0.0.5:6379/0

        Jobs get here with `conveyor push ... --in 30s` or `--at 2026-12-01T09:00:00Z`; a running
        worker moves each to its queue within about a second of its time.
        """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list
    }

    @Argument(help: "list.")
    var action: Action

    @Option(name: .long, help: ArgumentHelp("The most entries list shows. Default: 100.", valueName: "n"))
    var limit = 100

    @Flag(name: .long, help: "Print JSON for scripts instead of a table.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() async throws {
        await JobSetOperations.list(.schedule, limit: limit, json: json, redis: redisOptions)
    }
}
