import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// `conveyor cancel JID` with real worker processes on a real redis-server.
@Suite("Cancellation: conveyor cancel across worker processes")
struct CancelTests {
    func conveyor(_ context: RedisTestContext, _ arguments: String...) async throws -> CommandLine.Result {
        try await CommandLine.run("conveyor", arguments + ["--namespace", context.namespace], redisURL: context.server.url)
    }

    @Test("3 workers, one killed: cancel stops a running Sleep within a heartbeat, and it is not retried")
    func cancelStopsARunningSleep() async throws {
        let context = try await RedisTestContext("cancel-running")
        let arguments = ["--concurrency", "2", "--heartbeat-interval", "1", "--stale-after", "3", "--namespace", context.namespace]
        let workers = try (0..<3).map { _ in try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url) }
        defer { for worker in workers where worker.isRunning { worker.signal(SIGKILL) } }
        try await waitUntil("3 workers beating") { try await context.backend.processes().count == 3 }
        let sleep = Job(className: "Sleep", args: [600_000])
        try await Producer(backend: context.backend).push(sleep)
        try await waitUntil("the Sleep job running") { try await context.backend.processes().map(\.busy).reduce(0, +) == 1 }

        let cancel = try await conveyor(context, "cancel", sleep.jid, "--json")
        let reply = try JSONValue.parse(cancel.output).objectValue
        #expect(cancel.status == 0 && reply?["state"] == "cancelling", "\(cancel.output) \(cancel.errors)")
        let owner = try #require(reply?["where"]?.stringValue)
        let cancelledAt = MonotonicClock.now()
        // One of the other workers dies meanwhile: the cancel does not depend on it.
        let processes = try await context.backend.processes()
        let bystander = try #require(workers.first { worker in processes.contains { $0.identity != owner && $0.identity.contains(":\(worker.pid):") } })
        bystander.signal(SIGKILL)

        // Within a heartbeat (1 s here) plus the time a loaded machine may add.
        try await waitUntil(timeout: 10, "the cancelled job stopped") { try await context.leftovers().inProgress == 0 }
        let stoppedAfter = MonotonicClock.now() - cancelledAt
        #expect(stoppedAfter < 10, "the job stopped \(stoppedAfter) s after the cancel")
        let statistics = try await context.backend.statistics()
        #expect(statistics.retries == 0 && statistics.dead == 0 && statistics.enqueued == 0, "the cancelled job went somewhere: \(statistics)")
        #expect(statistics.processed == 1 && statistics.failed == 0, "a cancelled run counts as processed, not failed: \(statistics)")
        #expect(try await context.integer("EXISTS", context.keys.cancellation(sleep.jid)) == 0, "the worker left the cancel mark behind")
        let again = try await conveyor(context, "cancel", sleep.jid)
        #expect(again.status == 1 && again.errors.contains("is queued, scheduled, waiting for a retry or running"), "\(again.errors)")
        for worker in workers where worker.isRunning { worker.signal(SIGTERM) }
        for worker in workers { _ = await CommandLine.finish(worker) }
        try await context.finish()
    }

    @Test("cancel removes a queued job and a scheduled one, and refuses an unknown jid with exit 1")
    func cancelWaitingJobs() async throws {
        let context = try await RedisTestContext("cancel-waiting")
        let producer = Producer(backend: context.backend)
        let queued = Job(className: "Noop", queue: "mail")
        try await producer.pushBulk([Job(className: "Noop", queue: "mail"), queued, Job(className: "Noop", queue: "mail")])
        let scheduled = Job(className: "Noop")
        try await producer.push(scheduled, in: .seconds(3600))
        let scheduledJID = scheduled.jid
        let dequeued = try await conveyor(context, "cancel", queued.jid)
        #expect(dequeued.status == 0 && dequeued.output.contains("removed from queue 'mail'"), "\(dequeued.output) \(dequeued.errors)")
        #expect(try await context.integer("LLEN", context.keys.queue("mail")) == 2)
        let unscheduled = try await conveyor(context, "cancel", scheduledJID, "--json")
        let reply = try JSONValue.parse(unscheduled.output).objectValue
        #expect(reply?["state"] == "removed" && reply?["where"] == "schedule", "\(unscheduled.output) \(unscheduled.errors)")
        let unknown = try await conveyor(context, "cancel", "0123456789abcdef01234567")
        #expect(unknown.status == 1 && unknown.errors.contains("No job with jid 0123456789abcdef01234567"), "\(unknown.errors)")
        #expect(try await context.integer("EXISTS", context.keys.cancellation("0123456789abcdef01234567")) == 0)
        try await context.finish()
    }
}
