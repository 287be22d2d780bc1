import ArgumentParser
import Conveyor
import Foundation

/// `conveyor cron list`: the periodic jobs workers run, with each entry's next and last run.
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "List the periodic jobs that workers push (conveyor-worker --schedule), with next and last run.",
        discussion: """
        Examples:
          conveyor cron list
          conveyor cron list --json | jq -r '.[] | "\\(.name) \\(.next)"'

        Entries are published by each worker started with --schedule FILE (or with periodicJobs in
        Swift). NEXT is computed from the rule now; LAST is the last tick a worker pushed. Times are UTC.
        """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list
    }

    @Argument(help: "list.")
    var action: Action

    @Flag(name: .long, help: "Print JSON for scripts instead of a table.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        let entries = await redisOptions.withAdmin { admin in try await admin.periodicJobs() }
        let now = Date()
        func text(_ date: Date?) -> String { date.map { ScheduleTime.iso8601($0.timeIntervalSince1970) } ?? "-" }
        if json {
            print(JSONValue.array(entries.map { entry in
                var object = entry.job.summaryJSON.objectValue ?? JSONObject()
                object["name"] = .string(entry.job.name)
                object["next"] = entry.job.nextTick(after: now).map { .string(text($0)) } ?? .null
                object["last"] = entry.lastTick.map { .string(text($0)) } ?? .null
                return .object(object)
            }).jsonString)
            return
        }
        guard !entries.isEmpty else {
            print("No periodic jobs: start a worker with --schedule FILE.")
            return
        }
        var table = TextTable(["NAME", "RULE", "CLASS", "QUEUE", "NEXT RUN", "LAST RUN", "CATCH UP"])
        for entry in entries {
            table.append([entry.job.name, entry.job.ruleText, entry.job.className, entry.job.queue, text(entry.job.nextTick(after: now)), text(entry.lastTick), entry.job.catchUp ? "yes" : "no"])
        }
        print(table.render())
    }
}
