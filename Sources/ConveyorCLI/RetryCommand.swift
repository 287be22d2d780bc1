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

    @Option(name: .long, help: ArgumentHelp("The most entries list shows. Default: 100.", valueName: "n"))
    var limit = 100

    @Flag(name: .long, help: "Print JSON for scripts instead of a table or a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        if action == .list {
            guard jid == nil else { throw ValidationError("`retry list` takes no jid.") }
        } else if jid?.isEmpty ?? true {
            throw ValidationError("`retry \(action.rawValue)` needs the job's jid, e.g. `conveyor retry \(action.rawValue) b4a577edbccf1d805744efa9`.")
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() async throws {
        switch action {
        case .list: await JobSetOperations.list(.retry, limit: limit, json: json, redis: redisOptions)
        case .now: await JobSetOperations.enqueueNow(jid: jid!, from: .retry, json: json, redis: redisOptions)
        case .delete: await JobSetOperations.delete(jid: jid!, from: .retry, json: json, redis: redisOptions)
        }
    }
}
