import ArgumentParser
import Conveyor

/// `conveyor retry list|now JID|delete JID`: the retry set.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "List the retry set, run a failed job now, or delete it.",
        discussion: """
        Examples:
          conveyor retry list                              soonest retries first, as a table
          conveyor retry list --limit 500 --json           up to 500 entries as JSON for scripts
          conveyor retry list --offset 100 --limit 100     the second hundred
          conveyor retry now b4a577edbccf1d805744efa9      push that job to its queue at once
          conveyor retry delete b4a577edbccf1d805744efa9   drop it for good
          conveyor retry list --namespace myapp --redis redis://10.0.0.5:6379/0

        Workers retry failed jobs by themselves when their time comes; `now` only skips the wait.
        An unknown jid prints a message and exits 1.
        """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list, now, delete
    }

    @Argument(help: "list, now or delete.")
    var action: Action

    @Argument(help: ArgumentHelp("The job's jid, for now and delete.", valueName: "jid"))
    var jid: String?

    @OptionGroup var options: JobSetOptions

    func validate() throws {
        try JobSetOptions.validate(jid: jid, needed: action != .list, command: "retry \(action.rawValue)")
    }

    func run() async throws {
        switch action {
        case .list: await JobSetOperations.list(.retry, offset: options.offset, limit: options.limit, json: options.json, redis: options.redis)
        case .now: await JobSetOperations.enqueueNow(jid: jid!, from: .retry, json: options.json, redis: options.redis)
        case .delete: await JobSetOperations.delete(jid: jid!, from: .retry, json: options.json, redis: options.redis)
        }
    }
}
