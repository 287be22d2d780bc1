import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// `conveyor queue pause|resume|list|clear` with real worker processes on a real redis-server.
@Suite("Queue control: pause, resume, list and clear across worker processes")
struct QueueControlTests {
    func conveyor(_ context: RedisTestContext, _ arguments: String...) async throws -> CommandLine.Result {
        try await CommandLine.run("conveyor", arguments + ["--namespace", context.namespace], redisURL: context.server.url)
    }

    func liveWorkers(_ context: RedisTestContext) async throws -> Int {
        try await context.backend.processes().count
    }

    @Test("3 workers, one killed: a pause stops the queue within 1 s, holds for a worker started later, and resume drains it")
    func pauseStopsEveryWorker() async throws {
        let context = try await RedisTestContext("pause")
        let recorded = "\(context.namespace):recorded"
        let arguments = ["--concurrency", "5", "--heartbeat-interval", "1", "--stale-after", "3", "--namespace", context.namespace]
        var workers = try (0..<3).map { _ in try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url) }
        defer { for worker in workers where worker.isRunning { worker.signal(SIGKILL) } }
        try await waitUntil("3 workers beating") { try await liveWorkers(context) == 3 }

        // The workers are busy with the queue when it is paused.
        let producer = Producer(backend: context.backend)
        try await producer.pushBulk((0..<30).map { _ in Job(className: "Record", args: [.string(recorded), 50]) })
        try await waitUntil("the first jobs ran") { try await context.integer("SCARD", recorded) > 0 }
        let pause = try await conveyor(context, "queue", "pause", "default")
        #expect(pause.status == 0 && pause.output.contains("Paused queue 'default'"), "\(pause.output) \(pause.errors)")
        let pausedAt = MonotonicClock.now()

        // Jobs fetched before the pause may still be running; within 1 s nothing more starts.
        try await Task.sleep(for: .seconds(1))
        let settled = try await context.integer("SCARD", recorded)
        let waitingAfterPause = try await context.integer("LLEN", context.keys.queue("default"))
        #expect(MonotonicClock.now() - pausedAt < 3, "the check itself was delayed; its bounds would not hold")
        let late = (0..<20).map { _ in Job(className: "Record", args: [.string(recorded)]) }
        try await producer.pushBulk(late)

        // A worker is killed and a new one starts: the pause is in Redis, so it holds for the new one.
        workers[0].signal(SIGKILL)
        _ = await CommandLine.finish(workers[0])
        workers[0] = try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url)
        try await waitUntil("the replacement worker beating") {
            try await context.backend.processes().filter { $0.beatAge < 2 }.count == 3
        }
        // Observation window: three beats of the new worker and two seconds of the others.
        try await Task.sleep(for: .seconds(2))
        let ranWhilePaused = try await context.integer("SCARD", recorded) - settled
        #expect(ranWhilePaused == 0, "\(ranWhilePaused) jobs started more than 1 s after the pause")
        // None is lost: a job the killed worker's blocked fetch took as the late ones arrived (and had
        // not yet handed back) comes back by recovery once its lease runs out (--stale-after 3).
        let expected = waitingAfterPause + late.count
        try await waitUntil(timeout: 15, "the paused queue holding its \(expected) jobs") {
            try await context.integer("LLEN", context.keys.queue("default")) >= expected
        }
        let queued = try await context.integer("LLEN", context.keys.queue("default"))

        let listed = try await conveyor(context, "queue", "list", "--json")
        let queues = try #require(try JSONValue.parse(listed.output).arrayValue, "\(listed.output)")
        let entry = queues.first { $0.objectValue?["name"]?.stringValue == "default" }?.objectValue
        #expect(entry?["paused"] == true && entry?["size"] == .number(JSONNumber(queued)), "\(listed.output)")
        let table = try await conveyor(context, "queue", "list")
        #expect(table.output.contains("PAUSED") && table.output.contains("yes"), "\(table.output)")

        let resume = try await conveyor(context, "queue", "resume", "default")
        #expect(resume.status == 0 && resume.output.contains("Resumed queue 'default'"), "\(resume.output) \(resume.errors)")
        try await waitUntil(timeout: 40, "every job ran after resume") { try await context.integer("SCARD", recorded) == 50 }
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 0)
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { _ = await CommandLine.finish(worker) }
        try await context.finish()
    }

    @Test("queue clear deletes waiting jobs; a bad or missing name is refused with exit 64")
    func clearAndValidation() async throws {
        let context = try await RedisTestContext("queue-clear")
        try await Producer(backend: context.backend).pushBulk((0..<4).map { _ in Job(className: "Noop", queue: "bulk") })
        let cleared = try await conveyor(context, "queue", "clear", "bulk", "--json")
        let clearedReply = try JSONValue.parse(cleared.output).objectValue
        #expect(cleared.status == 0 && clearedReply?["cleared"] == 4, "\(cleared.output) \(cleared.errors)")
        #expect(try await context.integer("LLEN", context.keys.queue("bulk")) == 0)
        let again = try await conveyor(context, "queue", "clear", "bulk")
        #expect(again.output.contains("Cleared queue 'bulk': 0 jobs deleted."), "\(again.output)")
        let missing = try await conveyor(context, "queue", "pause")
        #expect(missing.status == 64 && missing.errors.contains("needs the queue's name"), "\(missing.status) \(missing.errors)")
        let comma = try await conveyor(context, "queue", "pause", "a,b")
        #expect(comma.status == 64 && comma.errors.contains("comma"), "\(comma.status) \(comma.errors)")
        let twice = try await conveyor(context, "queue", "pause", "bulk")
        let second = try await conveyor(context, "queue", "pause", "bulk")
        #expect(twice.status == 0 && second.output.contains("already paused"), "\(second.output)")
        let notPaused = try await conveyor(context, "queue", "resume", "other")
        #expect(notPaused.status == 0 && notPaused.output.contains("was not paused"), "\(notPaused.output)")
        try await context.finish()
    }
}
