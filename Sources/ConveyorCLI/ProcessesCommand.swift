import ArgumentParser
import Conveyor

/// `conveyor processes`: the live worker processes.
struct ProcessesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "processes",
        abstract: "List live worker processes: identity, busy jobs, seconds since the last beat, quiet, queues.",
        discussion: """
        Examples:
          conveyor processes
          conveyor processes --json | jq -r '.[].identity'
          conveyor processes --namespace myapp --redis redis://10.0.0.5:6379/0

        A process beats every 5 seconds; one whose beat is older than 30 seconds counts as dead and
        its jobs are recovered by the others. Use an identity with `conveyor quiet` or `conveyor stop`.
        """
    )

    @Flag(name: .long, help: "Print JSON for scripts instead of a table.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        let processes = await redisOptions.withAdmin { admin in try await admin.processes() }
        if json {
            print(JSONValue.array(processes.map { process in
                .object([
                    "identity": .string(process.identity), "busy": .number(JSONNumber(process.busy)),
                    "beat_age": .number(JSONNumber((process.beatAge * 10).rounded() / 10)), "quiet": .bool(process.isQuiet),
                    "queues": .array(process.queues.map(JSONValue.string)),
                ])
            }).jsonString)
            return
        }
        guard !processes.isEmpty else {
            print("No live worker processes.")
            return
        }
        var table = TextTable(["IDENTITY", "BUSY", "BEAT AGE (S)", "QUIET", "QUEUES"])
        for process in processes {
            table.append([process.identity, "\(process.busy)", "\(Int(process.beatAge.rounded()))", process.isQuiet ? "yes" : "no", process.queues.joined(separator: ",")])
        }
        print(table.render())
    }
}
