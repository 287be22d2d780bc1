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

    @OptionGroup var options: JobSetOptions

    func run() async throws {
        await JobSetOperations.list(.schedule, offset: options.offset, limit: options.limit, json: options.json, redis: options.redis)
    }
}
