import ArgumentParser
import Conveyor
import ConveyorRedis
import Foundation

/// `conveyor stats`: queue sizes and counters.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show each queue's size and the processed/failed counters.",
        discussion: """
        Examples:
          conveyor stats
          conveyor stats --json | jq .processed
        """
    )

    @Flag(name: .long, help: "Print JSON for scripts instead of a table.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        let statistics = await redisOptions.withBackend { backend in try await backend.statistics() }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(statistics), as: UTF8.self))
            return
        }
        var rows: [(String, String)] = statistics.queues.sorted { $0.key < $1.key }.map { ("queue:\($0.key)", "\($0.value)") }
        if rows.isEmpty { rows.append(("(no queues yet)", "")) }
        rows += [
            ("in progress", "\(statistics.inProgress)"),
            ("scheduled", "\(statistics.scheduled)"),
            ("retries", "\(statistics.retries)"),
            ("dead", "\(statistics.dead)"),
            ("processed", "\(statistics.processed)"),
            ("failed", "\(statistics.failed)"),
            ("processes", "\(statistics.processes)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows {
            print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }
}
