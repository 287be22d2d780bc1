import Conveyor
import ConveyorRedis
import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

@Suite("Worker on Redis, in process")
struct RedisWorkerTests {
    @Test("a pushed job is stored in Sidekiq's layout")
    func sidekiqLayout() async throws {
        let context = try await RedisTestContext("layout")
        let jid = try await Producer(backend: context.backend).push(className: "HardJob", args: [1, "x"], queue: "critical")
        #expect(try await context.client.send("SMEMBERS", "\(context.namespace):queues").array?.compactMap(\.string) == ["critical"])
        let stored = try #require(try await context.client.send("LINDEX", "\(context.namespace):queue:critical", 0).string)
        let job = try Job(json: Array(stored.utf8))
        #expect(job.jid == jid && job.className == "HardJob" && job.args == [1, "x"] && job.retry == .default)
        #expect(job.createdAt != nil && job.enqueuedAt != nil)
        try await context.finish()
    }

    @Test("handlers can await Redis calls and all jobs are acknowledged with batched counters")
    func workerRunsJobs() async throws {
        let context = try await RedisTestContext("worker")
        var registry = JobRegistry()
        let client = context.client
        let key = "\(context.namespace):seen"
        registry.register(className: "Touch") { _, job in try await client.send("SADD", key, job.jid) }
        let jobs = (0..<2000).map { _ in Job(className: "Touch") }
        try await Producer(backend: context.backend).pushBulk(jobs)
        let worker = Worker(backend: context.backend, registry: registry, configuration: try WorkerConfiguration(concurrency: 25))
        try await worker.runUntilIdle()
        #expect(try await context.integer("SCARD", key) == 2000)
        #expect(try await context.backend.statistics().processed == 2000)
        #expect(try await context.leftovers() == (0, 0))
        let today = try await context.integer("GET", "\(context.namespace):stat:processed:\(Self.today())")
        #expect(today == 2000)
        try await context.finish()
    }

    @Test("a failing job lands in the retry set, readable by Sidekiq")
    func failureInRetrySet() async throws {
        let context = try await RedisTestContext("retry")
        var registry = JobRegistry()
        registry.register(className: "Broken") { _, _ in throw JobArgumentsError(jobClass: "Broken", reason: "no") }
        try await Producer(backend: context.backend).push(className: "Broken", args: ["a"])
        try await Worker(backend: context.backend, registry: registry).runUntilIdle()
        let entries = try await context.client.send("ZRANGE", "\(context.namespace):retry", 0, -1, "WITHSCORES").array ?? []
        #expect(entries.count == 2)
        let job = try Job(json: entries[0].bytes ?? [])
        #expect(job.retryCount == 0 && job.fields["error_class"] == "JobArgumentsError")
        // Measured from the failure the job records, not from now: on a loaded machine the worker's
        // drain and shutdown can take seconds after the failure.
        let score = Double(entries[1].string ?? "") ?? 0
        let failedAt = job.fields["failed_at"]?.doubleValue ?? 0
        #expect(score - failedAt >= 15 && score - failedAt < 25, "retry at \(score), failed at \(failedAt)")
        let statistics = try await context.backend.statistics()
        #expect(statistics.failed == 1 && statistics.processed == 1 && statistics.inProgress == 0)
        try await context.finish()
    }

    @Test("the heartbeat is published in Sidekiq's process layout while running")
    func heartbeat() async throws {
        let context = try await RedisTestContext("beat")
        let worker = Worker(backend: context.backend, registry: JobRegistry(), configuration: try WorkerConfiguration(concurrency: 7, tag: "test"))
        let run = Task { try await worker.run() }
        try await waitUntil(timeout: 10, "the worker registered") {
            try await context.integer("SISMEMBER", context.keys.processes, worker.identity) == 1
        }
        let info = try #require(try await context.client.send("HGET", context.keys.process(worker.identity), "info").string)
        let object = try #require(try JSONValue.parse(info).objectValue)
        #expect(object["concurrency"] == 7 && object["queues"] == ["default"] && object["identity"]?.stringValue == worker.identity)
        #expect(try await context.integer("TTL", context.keys.process(worker.identity)) > 0)
        worker.stop()
        try await run.value
        #expect(try await context.integer("EXISTS", context.keys.process(worker.identity)) == 0)
        #expect(try await context.integer("SISMEMBER", context.keys.processes, worker.identity) == 0)
        try await context.finish()
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
