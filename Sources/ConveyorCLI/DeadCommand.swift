import ArgumentParser
import Conveyor

/// `conveyor dead list|retry JID|delete JID|clear`: the dead set.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List the dead set, run a dead job again, delete one, or clear the set.",
        discussion: """
        Examples:
          conveyor dead list                               oldest deaths first, as a table
          conveyor dead list --limit 20 --json             up to 20 entries as JSON for scripts
          conveyor dead retry b4a577edbccf1d805744efa9     push that job to its queue at once
          conveyor dead delete b4a577edbccf1d805744efa9    drop it for good
          conveyor dead clear                              delete every dead job
          conveyor dead clear --namespace myapp --redis redis://10.0.0.5:6379/0

        The dead set keeps at most 10,000 jobs for at most 180 days, as Sidekiq's.
        An unknown jid prints a message and exits 1.
        """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list, retry, delete, clear
    }

    @Argument(help: "list, retry, delete or clear.")
    var action: Action

    @Argument(help: ArgumentHelp("The job's jid, for retry and delete.", valueName: "jid"))
    var jid: String?

    @Option(name: .long, help: ArgumentHelp("The most entries list shows. Default: 100.", valueName: "n"))
    var limit = 100

    @Flag(name: .long, help: "Print JSON for scripts instead of a table or a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        switch action {
        case .list, .clear:
            guard jid == nil else { throw ValidationError("`dead \(action.rawValue)` takes no jid.") }
        case .retry, .delete:
            guard !(jid?.isEmpty ?? true) else {
                throw ValidationError("`dead \(action.rawValue)` needs the job's jid, e.g. `conveyor dead \(action.rawValue) b4a577edbccf1d805744efa9`.")
            }
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() async throws {
        switch action {
        case .list: await JobSetOperations.list(.dead, limit: limit, json: json, redis: redisOptions)
        case .retry: await JobSetOperations.enqueueNow(jid: jid!, from: .dead, json: json, redis: redisOptions)
        case .delete: await JobSetOperations.delete(jid: jid!, from: .dead, json: json, redis: redisOptions)
        case .clear: await JobSetOperations.clear(.dead, json: json, redis: redisOptions)
        }
    }
}
