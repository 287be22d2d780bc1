import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// `conveyor-worker --concurrency-limit` with real worker processes on a real redis-server.
@Suite("Limits: a concurrency limit across worker processes")
struct LimitTests {
    @Test("3 workers, one killed: a limit of 2 is never exceeded, checked from recorded start and end times")
    func concurrencyLimitHolds() async throws {
        let context = try await RedisTestContext("limit")
        let spans = "\(context.namespace):spans"
        let arguments = ["--concurrency", "5", "--concurrency-limit", "Span=2", "--heartbeat-interval", "1", "--stale-after", "3", "--recovery-interval", "1", "--namespace", context.namespace]
        let workers = try (0..<3).map { _ in try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url) }
        defer { for worker in workers where worker.isRunning { worker.signal(SIGKILL) } }
        try await waitUntil("3 workers beating") { try await context.backend.processes().count == 3 }
        try await Producer(backend: context.backend).pushBulk((0..<16).map { _ in Job(className: "Span", args: [.string(spans), 300]) })
        try await waitUntil("a few runs recorded") { try await context.integer("LLEN", spans) >= 4 }
        workers[0].signal(SIGKILL)
        _ = await CommandLine.finish(workers[0])
        // The killed worker's jobs come back by recovery and its slots free themselves by their lease.
        try await waitUntil(timeout: 90, "every job ran") { try await context.integer("LLEN", spans) >= 16 }

        let recorded = (try await context.client.send("LRANGE", spans, 0, -1).array ?? []).compactMap(\.string)
        let intervals = recorded.compactMap { line -> (start: Int, end: Int)? in
            let parts = line.split(separator: " ").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        #expect(intervals.count == recorded.count)
        // The most runs at once: +1 at each start, -1 at each end, ends first at equal times.
        var events: [(time: Int, change: Int)] = []
        for interval in intervals {
            events.append((interval.start, 1))
            events.append((interval.end, -1))
        }
        events.sort { left, right in left.time == right.time ? left.change < right.change : left.time < right.time }
        var running = 0, most = 0
        for (_, change) in events {
            running += change
            most = max(most, running)
        }
        #expect(most <= 2, "\(most) Span jobs ran at once under a limit of 2")
        #expect(most == 2, "the limit was never reached, so the test proves nothing (at most \(most) at once)")
        let statistics = try await context.backend.statistics()
        #expect(statistics.failed == 0, "\(statistics)")
        for worker in workers[1...] { worker.signal(SIGTERM) }
        for worker in workers[1...] { _ = await CommandLine.finish(worker) }
        try await context.finish()
    }

    @Test("bad limit flags exit 64 with the expected shape")
    func badFlags() async throws {
        for bad in [["--concurrency-limit", "Span"], ["--concurrency-limit", "Span=0"], ["--rate-limit", "Mail=5"], ["--rate-limit", "Mail=5/week"]] {
            let result = try await CommandLine.run("conveyor-worker", bad, redisURL: "")
            #expect(result.status == 64 && result.errors.contains(bad[0]), "\(bad): \(result.status) \(result.errors)")
        }
    }
}
