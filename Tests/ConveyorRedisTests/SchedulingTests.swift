import Conveyor
import ConveyorRedis
import ConveyorSupport
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

@Suite("Scheduling, retries, signals and crash recovery on Redis")
struct SchedulingTests {
    @Test("`conveyor push --in 1s` waits in the schedule set, then a worker runs it within seconds")
    func pushIn() async throws {
        let context = try await RedisTestContext("push-in")
        let recorded = "\(context.namespace):recorded"
        let push = try await CommandLine.run("conveyor", ["push", "Record", "[\"\(recorded)\"]", "--in", "1s", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(push.status == 0, "\(push.errors)")
        #expect(push.output.hasPrefix("Scheduled 1 Record job"), "\(push.output)")
        let listed = try await CommandLine.run("conveyor", ["scheduled", "list", "--json", "--namespace", context.namespace], redisURL: context.server.url)
        let entries = try #require(try JSONValue.parse(listed.output).arrayValue)
        #expect(entries.count == 1)
        #expect(entries.first?.objectValue?["job"]?.objectValue?["enqueued_at"] == nil, "a scheduled job must not carry enqueued_at")
        let worker = try CommandLine.start("conveyor-worker", ["--namespace", context.namespace], redisURL: context.server.url)
        try await waitUntil(timeout: 8, "the scheduled job ran") { try await context.integer("SCARD", recorded) == 1 }
        worker.signal(SIGTERM)
        #expect(await CommandLine.finish(worker).status == 0)
        #expect(try await context.backend.statistics().scheduled == 0)
        try await context.finish()
    }

    @Test("bad --in and --at values are refused with an example", arguments: [
        (["--in", "30"], "a decimal number and a unit"), (["--in", "5y"], "a decimal number and a unit"),
        (["--at", "2026-12-01 09:00"], "ISO 8601 with Z or an offset"), (["--at", "2026-12-01T09:00"], "ISO 8601 with Z or an offset"),
        (["--in", "5m", "--at", "2026-12-01T09:00:00Z"], "either --in or --at"),
    ])
    func badScheduleTimes(arguments: [String], expected: String) async throws {
        let result = try await CommandLine.run("conveyor", ["push", "Noop"] + arguments, redisURL: try await RedisTestServer.shared().url)
        #expect(result.status != 0)
        #expect(result.errors.contains(expected), "stderr was: \(result.errors)")
    }

    @Test("a failing job is retried by the poller with its class's delay until dead: max retries + 1 runs")
    func retriesUntilDead() async throws {
        let context = try await RedisTestContext("retry-loop")
        let runs = Locked(0)
        let deaths = Locked(0)
        var registry = JobRegistry()
        registry.register(className: "Flaky", options: JobOptions(retryDelay: { _ in 0.05 })) { _, _ in
            runs.withLock { $0 += 1 }
            throw JobArgumentsError(jobClass: "Flaky", reason: "always")
        }
        try await Producer(backend: context.backend).push(className: "Flaky", retry: .limit(3))
        let configuration = try WorkerConfiguration(scheduledPollInterval: .milliseconds(20), onDeath: { _, _ in deaths.withLock { $0 += 1 } })
        let worker = Worker(backend: context.backend, registry: registry, configuration: configuration)
        let run = Task { try await worker.run() }
        try await waitUntil(timeout: 15, "the job reached the dead set") { try await context.backend.statistics().dead == 1 }
        worker.stop()
        try await run.value
        #expect(runs.withLock { $0 } == 4)
        #expect(deaths.withLock { $0 } == 1)
        let dead = try #require(try await context.backend.entries(in: .dead, offset: 0, limit: 10).entries.first?.job)
        #expect(dead.retryCount == 3 && dead.fields["retried_at"] != nil)
        let statistics = try await context.backend.statistics()
        #expect(statistics.retries == 0 && statistics.enqueued == 0 && statistics.failed == 4)
        try await context.finish()
    }

    @Test("`conveyor quiet` and `conveyor stop` reach a worker through its signals list")
    func signalsThroughCLI() async throws {
        let context = try await RedisTestContext("signals")
        let configuration = try WorkerConfiguration(heartbeatInterval: .milliseconds(50))
        let worker = Worker(backend: context.backend, registry: JobRegistry(), configuration: configuration)
        let run = Task { try await worker.run() }
        let arguments = ["--namespace", context.namespace]
        try await waitUntil(timeout: 10, "the worker registered") { try await context.backend.liveProcessCount() == 1 }
        let before = try await CommandLine.run("conveyor", ["processes", "--json"] + arguments, redisURL: context.server.url)
        let listed = try #require(try JSONValue.parse(before.output).arrayValue?.first?.objectValue)
        #expect(listed["identity"]?.stringValue == worker.identity && listed["quiet"] == false && listed["queues"] == ["default"])
        let quiet = try await CommandLine.run("conveyor", ["quiet", worker.identity] + arguments, redisURL: context.server.url)
        #expect(quiet.status == 0, "\(quiet.errors)")
        try await waitUntil(timeout: 10, "the heartbeat shows quiet") {
            try await context.client.send("HGET", context.keys.process(worker.identity), "quiet").string == "true"
        }
        let table = try await CommandLine.run("conveyor", ["processes"] + arguments, redisURL: context.server.url)
        #expect(table.output.contains("QUIET") && table.output.contains(worker.identity) && table.output.contains("yes"), "\(table.output)")
        let stop = try await CommandLine.run("conveyor", ["stop", worker.identity, "--json"] + arguments, redisURL: context.server.url)
        #expect(stop.status == 0 && stop.output.contains("\"TERM\""), "\(stop.errors)")
        try await run.value
        let unknown = try await CommandLine.run("conveyor", ["quiet", "nobody:1:abc"] + arguments, redisURL: context.server.url)
        #expect(unknown.status == 1 && unknown.errors.contains("No live worker process has the identity 'nobody:1:abc'"), "\(unknown.errors)")
        try await context.finish()
    }

    @Test("SIGTSTP quiets conveyor-worker without suspending it, and SIGTERM then stops it cleanly")
    func quietThenTerm() async throws {
        let context = try await RedisTestContext("tstp")
        try await Producer(backend: context.backend).push(className: "Sleep", args: [60_000])
        let process = try CommandLine.start("conveyor-worker", ["--timeout", "1", "--namespace", context.namespace], redisURL: context.server.url)
        try await waitUntil(timeout: 20, "the worker fetched the job") { try await context.leftovers().inProgress == 1 }
        process.signal(SIGTSTP)
        process.signal(SIGTERM)
        let result = await CommandLine.finish(process)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("SIGTSTP received"))
        #expect(try await context.leftovers() == (1, 0))
        try await context.finish()
    }

    @Test("a job that keeps crashing its workers goes to the dead set after 3 recoveries")
    func poisonPill() async throws {
        let context = try await RedisTestContext("poison")
        let jid = try await Producer(backend: context.backend).push(className: "Crash")
        for attempt in 1...5 {
            let result = try await CommandLine.run("conveyor-worker", ["--drain", "--namespace", context.namespace], redisURL: context.server.url)
            if attempt <= 4 {
                #expect(result.status == 70, "attempt \(attempt): \(result.errors)")
                // The crashed process's lease would expire in 30 s; expire it now.
                for identity in (try await context.client.send("SMEMBERS", context.keys.processes).array ?? []).compactMap(\.string) {
                    try await context.client.send("DEL", context.keys.process(identity), context.keys.lease(identity))
                }
            } else {
                #expect(result.status == 0, "the fifth worker should bury the job and drain: \(result.errors)")
            }
        }
        let dead = try #require(try await context.backend.entries(in: .dead, offset: 0, limit: 10).entries.first?.job)
        #expect(dead.jid == jid)
        #expect(dead.fields["error_message"]?.stringValue == RecoveryDecision.poisonPillMessage(recoveries: 3))
        #expect(try await context.leftovers() == (0, 0))
        try await context.finish()
    }
}
