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
          conveyor dead list --offset 100 --limit 100      the second hundred
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

    @OptionGroup var options: JobSetOptions

    func validate() throws {
        try JobSetOptions.validate(jid: jid, needed: action == .retry || action == .delete, command: "dead \(action.rawValue)")
    }

    func run() async throws {
        switch action {
        case .list: await JobSetOperations.list(.dead, offset: options.offset, limit: options.limit, json: options.json, redis: options.redis)
        case .retry: await JobSetOperations.enqueueNow(jid: jid!, from: .dead, json: options.json, redis: options.redis)
        case .delete: await JobSetOperations.delete(jid: jid!, from: .dead, json: options.json, redis: options.redis)
        case .clear: await JobSetOperations.clear(.dead, json: options.json, redis: options.redis)
        }
    }
}
