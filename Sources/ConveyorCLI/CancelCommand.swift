import ArgumentParser
import Conveyor

/// `conveyor cancel JID`: cancel a job wherever it is.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: remove it from its queue, the schedule or the retry set, or stop it where it runs.",
        discussion: """
        Examples:
          conveyor cancel b4a577edbccf1d805744efa9
          conveyor cancel b4a577edbccf1d805744efa9 --json
          conveyor cancel b4a577edbccf1d805744efa9 --namespace myapp --redis redis://10.0.0.5:6379/0

        A queued, scheduled or retrying job is removed at once. A running job gets a cancel mark that
        its worker reads with its next heartbeat (every 5 s by default): the job's Swift task is
        cancelled, and the run is acknowledged without a retry (counted as processed, not failed).
        Finding a queued job reads the queues 1000 jobs per round trip, so on long queues it takes a
        while. A jid that is nowhere (finished, dead, never pushed) prints a message and exits 1.
        """
    )

    @Argument(help: ArgumentHelp("The job's jid.", valueName: "jid"))
    var jid: String

    @Flag(name: .long, help: "Print JSON for scripts instead of a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        guard !jid.isEmpty else { throw ValidationError("`cancel` needs the job's jid, e.g. `conveyor cancel b4a577edbccf1d805744efa9`.") }
    }

    func run() async throws {
        let outcome = await redisOptions.withAdmin { admin in try await admin.cancel(jid: jid) }
        let (state, place, sentence): (String, String, String)
        switch outcome {
        case .dequeued(let queue):
            (state, place, sentence) = ("removed", "queue:\(queue)", "Cancelled job \(jid): removed from queue '\(queue)'.")
        case .removed(let set):
            (state, place, sentence) = ("removed", set.rawValue, "Cancelled job \(jid): removed from the \(set.rawValue) set.")
        case .cancelling(let owner):
            (state, place, sentence) = ("cancelling", owner, "Cancelling job \(jid): it runs on \(owner), which stops it within one heartbeat and does not retry it.")
        }
        if json {
            print(JSONValue.object(["jid": .string(jid), "state": .string(state), "where": .string(place)]).jsonString)
        } else {
            print(sentence)
        }
    }
}
