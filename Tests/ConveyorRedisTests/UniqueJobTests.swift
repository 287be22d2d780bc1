import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// `conveyor push --unique-for` with real worker processes on a real redis-server.
@Suite("Unique jobs: conveyor push --unique-for across worker processes")
struct UniqueJobTests {
    func conveyor(_ context: RedisTestContext, _ arguments: String...) async throws -> CommandLine.Result {
        try await CommandLine.run("conveyor", arguments + ["--namespace", context.namespace], redisURL: context.server.url)
    }

    @Test("3 workers, one killed: 10 pushes of a unique job queue 1, and the lock ends with its success")
    func tenPushesQueueOne() async throws {
        let context = try await RedisTestContext("unique")
        let recorded = "\(context.namespace):recorded"
        let arguments = ["--concurrency", "2", "--heartbeat-interval", "1", "--stale-after", "3", "--recovery-interval", "1", "--namespace", context.namespace]
        let workers = try (0..<3).map { _ in try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url) }
        defer { for worker in workers where worker.isRunning { worker.signal(SIGKILL) } }
        try await waitUntil("3 workers beating") { try await context.backend.processes().count == 3 }

        // Ten concurrent pushes race for the lock while the job (10 s long) waits or runs.
        let results = try await withThrowingTaskGroup(of: CommandLine.Result.self) { group in
            for _ in 0..<10 {
                group.addTask { try await conveyor(context, "push", "Record", "[\"\(recorded)\", 10000]", "--unique-for", "60") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Whichever worker runs it, one of them dies mid-test; if it was the runner, recovery requeues
        // the job, which keeps its lock.
        workers[0].signal(SIGKILL)
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.errors))")
        let pushed = results.filter { $0.output.hasPrefix("Pushed 1 Record job") }
        #expect(pushed.count == 1, "\(results.map(\.output))")
        let jid = try #require(pushed.first?.output.split(separator: "jid ").last?.prefix(24)).description
        let skipped = results.filter { $0.output == "skipped: duplicate of \(jid)\n" }
        #expect(skipped.count == 9, "\(results.map(\.output))")

        try await waitUntil(timeout: 60, "the unique job ran and settled") {
            let left = try await context.leftovers()
            return try await context.integer("SCARD", recorded) == 1 && left.queued == 0 && left.inProgress == 0
        }
        #expect(try await context.integer("EXISTS", context.keys.uniqueLock(UniqueLock.digest(of: Job(className: "Record", args: [.string(recorded), 10000])))) == 0, "the lock outlived the job's success")
        let after = try await conveyor(context, "push", "Record", "[\"\(recorded)\", 10000]", "--unique-for", "60")
        #expect(after.status == 0 && after.output.hasPrefix("Pushed 1 Record job"), "a push after the job's success: \(after.output) \(after.errors)")
        for worker in workers where worker.isRunning { worker.signal(SIGTERM) }
        for worker in workers { _ = await CommandLine.finish(worker) }
        try await context.finish()
    }

    @Test("--unique-until start ends the lock when the job starts; bad unique flags exit 64")
    func uniqueUntilStartAndValidation() async throws {
        let context = try await RedisTestContext("unique-start")
        let first = try await conveyor(context, "push", "Sleep", "[5000]", "--unique-for", "60", "--unique-until", "start", "--unique-key", "nightly")
        #expect(first.status == 0 && first.output.hasPrefix("Pushed 1 Sleep job"), "\(first.output) \(first.errors)")
        let duplicate = try await conveyor(context, "push", "Sleep", "[1]", "--unique-for", "60", "--unique-key", "nightly")
        #expect(duplicate.status == 0 && duplicate.output.hasPrefix("skipped: duplicate of "), "an equal unique_key with other args: \(duplicate.output)")
        let worker = try CommandLine.start("conveyor-worker", ["--namespace", context.namespace], redisURL: context.server.url)
        defer { if worker.isRunning { worker.signal(SIGKILL) } }
        try await waitUntil("the Sleep job started") { try await context.leftovers().inProgress == 1 }
        try await waitUntil(timeout: 10, "the lock released at the start") {
            try await context.integer("EXISTS", context.keys.uniqueLock(UniqueLock.digest(of: { var job = Job(className: "Sleep"); job.fields[JobField.uniqueKey] = "nightly"; return job }()))) == 0
        }
        let whileRunning = try await conveyor(context, "push", "Sleep", "[1]", "--unique-for", "60", "--unique-key", "nightly")
        #expect(whileRunning.output.hasPrefix("Pushed 1 Sleep job"), "with --unique-until start a push while it runs goes through: \(whileRunning.output)")
        worker.signal(SIGKILL)
        _ = await CommandLine.finish(worker)
        for bad in [["--unique-for", "0"], ["--unique-until", "start"], ["--unique-for", "5", "--unique-until", "later"], ["--unique-for", "5", "--count", "2"]] {
            let refused = try await CommandLine.run("conveyor", ["push", "Noop"] + bad + ["--namespace", context.namespace], redisURL: context.server.url)
            #expect(refused.status == 64, "\(bad): \(refused.status) \(refused.errors)")
        }
        try await context.finish()
    }
}
