import ArgumentParser
import Conveyor

/// `conveyor queue list|pause NAME|resume NAME|clear NAME`: queue control.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "List queues (size, latency, paused), pause or resume one for every worker, or clear one.",
        discussion: """
        Examples:
          conveyor queue list                     name, size, latency (s) and paused, as a table
          conveyor queue list --json | jq '.[] | select(.paused)'
          conveyor queue pause mail               every worker stops taking jobs from 'mail'
          conveyor queue resume mail              and starts again
          conveyor queue clear bulk               delete every job waiting in 'bulk'
          conveyor queue pause mail --namespace myapp --redis redis://10.0.0.5:6379/0

        A pause is kept in Redis and checked by every fetch, so it holds for workers started later
        and across restarts. A paused queue still accepts pushes; its jobs wait. Jobs already running
        finish. clear leaves jobs that workers have already fetched alone.
        """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list, pause, resume, clear
    }

    @Argument(help: "list, pause, resume or clear.")
    var action: Action

    @Argument(help: ArgumentHelp("The queue's name, for pause, resume and clear.", valueName: "name"))
    var name: String?

    @Flag(name: .long, help: "Print JSON for scripts instead of a table or a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        guard action != .list else {
            if name != nil { throw ValidationError("`queue list` takes no queue name.") }
            return
        }
        guard let name else {
            throw ValidationError("`queue \(action.rawValue)` needs the queue's name, e.g. `conveyor queue \(action.rawValue) default`.")
        }
        do {
            try QueueName.check(name)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        switch action {
        case .list: await list()
        case .pause:
            let changed = await redisOptions.withAdmin { admin in try await admin.pauseQueue(name!) }
            report(paused: true, changed: changed, sentence: changed ? "Paused queue '\(name!)': workers take no more jobs from it until `conveyor queue resume \(name!)`." : "Queue '\(name!)' was already paused.")
        case .resume:
            let changed = await redisOptions.withAdmin { admin in try await admin.resumeQueue(name!) }
            report(paused: false, changed: changed, sentence: changed ? "Resumed queue '\(name!)'." : "Queue '\(name!)' was not paused.")
        case .clear:
            let count = await redisOptions.withAdmin { admin in try await admin.clearQueue(name!) }
            if json {
                print(JSONValue.object(["queue": .string(name!), "cleared": .number(JSONNumber(count))]).jsonString)
            } else {
                print("Cleared queue '\(name!)': \(count) job\(count == 1 ? "" : "s") deleted.")
            }
        }
    }

    private func report(paused: Bool, changed: Bool, sentence: String) {
        if json {
            print(JSONValue.object(["queue": .string(name!), "paused": .bool(paused), "changed": .bool(changed)]).jsonString)
        } else {
            print(sentence)
        }
    }

    private func list() async {
        let queues = await redisOptions.withAdmin { admin in try await admin.queues() }
        if json {
            print(JSONValue.array(queues.map { queue in
                .object([
                    "name": .string(queue.name), "size": .number(JSONNumber(queue.size)),
                    "latency": .number(JSONNumber((queue.latency.inSeconds * 1000).rounded() / 1000)), "paused": .bool(queue.isPaused),
                ])
            }).jsonString)
            return
        }
        guard !queues.isEmpty else {
            print("No queues yet.")
            return
        }
        var table = TextTable(["QUEUE", "SIZE", "LATENCY (S)", "PAUSED"])
        for queue in queues {
            table.append([queue.name, "\(queue.size)", "\((queue.latency.inSeconds * 10).rounded() / 10)", queue.isPaused ? "yes" : "no"])
        }
        print(table.render())
    }
}
