import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// `conveyor-worker --schedule FILE` and `conveyor cron list` with real processes on a real redis-server.
@Suite("Periodic jobs: one push per tick across worker processes")
struct PeriodicJobTests {
    func writeSchedule(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("schedule-\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("3 workers run an every-second schedule for 20 s, one killed halfway: one job per tick")
    func everySecondAcrossWorkers() async throws {
        let context = try await RedisTestContext("periodic")
        // Pushed to a queue no worker serves, so the test reads every pushed job and its tick.
        let path = try writeSchedule("tick: { every: 1s, class: Noop, queue: ticks, description: \"test tick\" }\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arguments = ["--schedule", path, "--heartbeat-interval", "1", "--stale-after", "3", "--namespace", context.namespace]
        let workers = try (0..<3).map { _ in try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url) }
        defer { for worker in workers where worker.isRunning { worker.signal(SIGKILL) } }
        try await waitUntil("3 workers beating") { try await context.backend.processes().count == 3 }
        let started = Date()
        try await Task.sleep(for: .seconds(10))
        workers[0].signal(SIGKILL)
        _ = await CommandLine.finish(workers[0])
        try await Task.sleep(for: .seconds(10))

        let listed = try await CommandLine.run("conveyor", ["cron", "list", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(listed.status == 0 && listed.output.contains("tick") && listed.output.contains("every 1s") && listed.output.contains("ticks"), "\(listed.output) \(listed.errors)")
        let json = try await CommandLine.run("conveyor", ["cron", "list", "--json", "--namespace", context.namespace], redisURL: context.server.url)
        let entry = try JSONValue.parse(json.output).arrayValue?.first?.objectValue
        #expect(entry?["name"] == "tick" && entry?["last"]?.stringValue != nil && entry?["next"]?.stringValue != nil, "\(json.output)")
        let ended = Date().timeIntervalSince1970
        for worker in workers[1...] { worker.signal(SIGTERM) }
        for worker in workers[1...] { _ = await CommandLine.finish(worker) }

        let payloads = (try await context.client.send("LRANGE", context.keys.queue("ticks"), 0, -1).array ?? []).compactMap(\.bytes)
        let ticks = try payloads.map { try #require(try Job(json: $0).fields["periodic_tick"]?.intValue) }.sorted()
        #expect(Set(ticks).count == ticks.count, "a tick was pushed twice: \(ticks)")
        let first = try #require(ticks.first), last = try #require(ticks.last)
        #expect(ticks == Array(first...last), "ticks are missing between \(first) and \(last): \(ticks)")
        // One per second from before the 20 s window until its end, ±1 at each edge (a tick is pushed
        // within about 0.2 s of its time, later on a loaded machine).
        #expect(Double(first) <= started.timeIntervalSince1970 + 1, "the first tick \(first) came after the window began at \(started.timeIntervalSince1970)")
        #expect(Double(last) >= ended - 2, "the last tick \(last) is older than the window's end \(ended) minus 2 s")
        #expect(ticks.count >= 20, "\(ticks.count) ticks in a window of at least 20 s")
        try await context.finish()
    }

    @Test("a bad schedule file is refused at start with its line and the reason (exit 64)")
    func badScheduleFile() async throws {
        let context = try await RedisTestContext("periodic-bad")
        let path = try writeSchedule("good: { every: 30s, class: Ping }\nbad: { cron: \"0 3 * *\", class: Report }\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CommandLine.run("conveyor-worker", ["--schedule", path, "--namespace", context.namespace], redisURL: context.server.url)
        #expect(result.status == 64, "exit \(result.status)")
        #expect(result.errors.contains("line 2: entry 'bad'") && result.errors.contains("it has 4 fields"), "\(result.errors)")
        try await context.finish()
    }
}
