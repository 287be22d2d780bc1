import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import InMemoryTracing
import RedisClient
import Testing

/// Conveyor against the real Sidekiq 6.4 (Debian's ruby-sidekiq): Ruby's client, server and admin API
/// on one side, `conveyor`, `conveyor-worker` and the Swift API on the other, sharing one Redis.
///
/// Sidekiq uses plain keys (no namespace), so every test starts its own redis-server instead of a
/// namespace on the shared one.
@Suite(
    "Interoperability with real Sidekiq",
    .serialized,
    .enabled(if: SidekiqFixtures.isAvailable, Comment(rawValue: SidekiqFixtures.missingReason ?? "ruby and sidekiq are installed"))
)
struct SidekiqInteropTests {
    // MARK: 1. Ruby client → Conveyor worker

    @Test("jobs pushed with perform_async and Sidekiq::Client.push_bulk all run once in conveyor-worker")
    func rubyClientToConveyorWorker() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let pushed = try await SidekiqFixtures.push(["perform_async", "40", "recorded", "runs"], redisURL: context.url)
            + SidekiqFixtures.push(["push_bulk", "60", "recorded", "runs"], redisURL: context.url)
        #expect(pushed.count == 100 && Set(pushed).count == 100)
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 100)

        let work = try await CommandLine.run("conveyor-worker", ["--drain", "--concurrency", "10"], redisURL: context.url)
        #expect(work.status == 0, "conveyor-worker failed: \(work.errors)")
        #expect(try await context.members("recorded") == Set(pushed), "every jid Ruby pushed must be recorded")
        #expect(try await context.integer("LLEN", "runs") == 100, "a job ran twice")
        #expect(try await context.backend.statistics().processed == 100)
    }

    @Test("jobs scheduled with perform_in run in conveyor-worker when due")
    func performInRunsWhenDue() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let pushed = try await SidekiqFixtures.push(["perform_in", "2", "5", "recorded"], redisURL: context.url)
        #expect(try await context.integer("ZCARD", context.keys.set(.schedule)) == 5)
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 0)

        let worker = try context.startWorker([])
        try await waitUntil(timeout: 30, "the 5 scheduled jobs ran") { try await context.members("recorded") == Set(pushed) }
        worker.signal(SIGTERM)
        let result = await CommandLine.finish(worker)
        #expect(result.status == 0, "\(result.errors)")
        #expect(try await context.integer("ZCARD", context.keys.set(.schedule)) == 0)
    }

    // MARK: 2. Conveyor push → Sidekiq server

    @Test("jobs pushed with `conveyor push` and the Swift Producer run in a real sidekiq server")
    func conveyorPushToSidekiq() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let push = try await CommandLine.run("conveyor", ["push", "RecordJob", #"["recorded"]"#, "--count", "20"], redisURL: context.url)
        #expect(push.status == 0, "conveyor push failed: \(push.errors)")
        let producer = Producer(backend: context.backend)
        var swiftJIDs: Set<String> = []
        for _ in 0..<10 {
            swiftJIDs.insert(try await producer.push(className: "RecordJob", args: ["recorded"]))
            swiftJIDs.insert(try await producer.push(RecordHash(setKey: "recorded-typed")))
        }
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 40)

        let sidekiq = try context.startSidekiq()
        try await waitUntil(timeout: 60, "sidekiq ran all 40 jobs") {
            try await context.integer("SCARD", "recorded") + context.integer("SCARD", "recorded-typed") == 40
        }
        sidekiq.signal(SIGTERM)
        let result = await CommandLine.finish(sidekiq)
        #expect(result.status == 0, "sidekiq exited \(result.status): \(result.errors)")
        let recorded = try await context.members("recorded").union(context.members("recorded-typed"))
        #expect(swiftJIDs.isSubset(of: recorded), "every jid the Swift API pushed must be recorded by Sidekiq")
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 0)
        #expect(try await context.integer("ZCARD", context.keys.set(.retry)) == 0, "Sidekiq failed a job Conveyor pushed: \(result.output)")
    }

    // MARK: 3. One queue, both consumers

    @Test("a sidekiq server and conveyor-worker consuming one queue run every job exactly once")
    func sharedQueue() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let sidekiq = try context.startSidekiq(concurrency: 5)
        let worker = try context.startWorker(["--concurrency", "5", "--timeout", "2"])
        // Both must be fetching before the jobs arrive, so both take a share.
        try await waitUntil(timeout: 30, "both processes registered their heartbeat") {
            try await context.integer("SCARD", context.keys.processes) == 2
        }
        let total = 1000
        var pushed = Set(try await SidekiqFixtures.push(["push_bulk", "\(total / 2)", "recorded", "runs"], redisURL: context.url))
        let swiftJobs = (0..<total / 2).map { _ in Job(className: "Record", args: ["recorded", "runs"]) }
        try await Producer(backend: context.backend).pushBulk(swiftJobs)
        pushed.formUnion(swiftJobs.map(\.jid))
        #expect(pushed.count == total)

        try await waitUntil(timeout: 60, "all \(total) jobs ran") { try await context.integer("SCARD", "recorded") == total }
        sidekiq.signal(SIGTERM)
        worker.signal(SIGTERM)
        let results = await [CommandLine.finish(sidekiq), CommandLine.finish(worker)]
        #expect(results[0].status == 0, "sidekiq: \(results[0].errors)")
        #expect(results[1].status == 0, "conveyor-worker: \(results[1].errors)")

        #expect(try await context.members("recorded") == pushed)
        let runs = try await context.client.send("LRANGE", "runs", 0, -1).array?.compactMap(\.string) ?? []
        #expect(runs.count == total, "\(runs.count - total) duplicate runs")
        #expect(Set(runs).count == total)
        let ranInSidekiq = try await context.integer("GET", "recorded:sidekiq")
        #expect(ranInSidekiq > 0 && ranInSidekiq < total, "both sides should take a share: Sidekiq ran \(ranInSidekiq) of \(total)")
        // Both write Sidekiq's counter: Sidekiq flushes its share when it exits.
        #expect(try await context.backend.statistics().processed == total)
        #expect(try await context.leftovers() == (0, 0))
    }

    // MARK: 4. Retry and dead sets

    @Test("Conveyor's failures show in Sidekiq::RetrySet; retry_all sends them back and Conveyor runs them again")
    func retrySetAndRetryAll() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let producer = Producer(backend: context.backend)
        let failing = try await producer.push(className: "Fail", args: ["boom: disk full"])
        // A Record job whose set key holds a string fails with WRONGTYPE until the key is fixed.
        try await context.client.send("SET", "recorded", "not a set")
        let blocked = try await producer.push(className: "Record", args: ["recorded"])
        let started = Date().timeIntervalSince1970

        let first = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(first.status == 0, "\(first.errors)")
        let retries = try await SidekiqFixtures.ruby("api.rb", ["retries"], redisURL: context.url)
        #expect(retries["size"]?.intValue == 2)
        let entries = retries["entries"]?.arrayValue ?? []
        let failed = try #require(entries.first { $0["jid"]?.stringValue == failing })
        #expect(failed["klass"] == "Fail")
        #expect(failed["args"] == ["boom: disk full"])
        #expect(failed["queue"] == "default")
        #expect(failed["item"]?["error_message"] == "boom: disk full")
        #expect(failed["item"]?["error_class"] == "RequestedFailure")
        #expect(failed["item"]?["retry_count"] == 0)
        let failedAt = try #require(failed["item"]?["failed_at"]?.doubleValue)
        #expect(failedAt >= started - 1 && failedAt <= Date().timeIntervalSince1970 + 1)
        let at = try #require(failed["at"]?.doubleValue)
        #expect(at - failedAt >= 15 && at - failedAt < 25, "the first retry is due 15-25 s after the failure, as in Sidekiq; it was \(at - failedAt) s")
        let wrongType = try #require(entries.first { $0["jid"]?.stringValue == blocked })
        #expect(wrongType["item"]?["error_message"]?.stringValue?.contains("WRONGTYPE") == true)

        try await context.client.send("DEL", "recorded")
        let moved = try await SidekiqFixtures.ruby("api.rb", ["retry_all"], redisURL: context.url)
        #expect(moved["retry_size"] == 0)
        #expect(moved["queues"]?["default"] == 2)

        let second = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(second.status == 0, "\(second.errors)")
        #expect(try await context.members("recorded") == [blocked], "the retried Record job must run")
        let again = try await SidekiqFixtures.ruby("api.rb", ["retries"], redisURL: context.url)
        let failedAgain = try #require(again["entries"]?.arrayValue?.first)
        #expect(again["size"] == 1 && failedAgain["jid"]?.stringValue == failing)
        // retry_all lowers retry_count by one and the next failure raises it again, as in Sidekiq.
        #expect(failedAgain["item"]?["retry_count"] == 0)
        #expect(failedAgain["item"]?["retried_at"]?.doubleValue != nil)
        #expect(failedAgain["item"]?["failed_at"]?.doubleValue == failedAt)
    }

    @Test("a failed job with retry_queue (sidekiq_options retry_queue:) is retried on that queue, as in Sidekiq")
    func retryQueue() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let pushed = try await SidekiqFixtures.push(["push", #"{"class":"Fail","args":["slow lane"],"retry_queue":"low"}"#], redisURL: context.url)
        let jid = try #require(pushed.first)

        let work = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(work.status == 0, "\(work.errors)")
        let retries = try await SidekiqFixtures.ruby("api.rb", ["retries"], redisURL: context.url)
        let entry = try #require(retries["entries"]?.arrayValue?.first)
        #expect(entry["jid"]?.stringValue == jid)
        #expect(entry["queue"] == "low", "Sidekiq's job_retry moves a failed job to its retry_queue")
        #expect(entry["item"]?["retry_queue"] == "low")

        let moved = try await SidekiqFixtures.ruby("api.rb", ["retry_all"], redisURL: context.url)
        #expect(moved["queues"]?["low"] == 1)
        #expect(moved["queues"]?["default"] == 0 || moved["queues"]?["default"] == nil)
    }

    @Test("a job with retry 0 goes straight to Sidekiq::DeadSet; retry false goes nowhere")
    func deadSet() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let producer = Producer(backend: context.backend)
        let dying = try await producer.push(className: "Fail", args: ["no second chance"], retry: .limit(0))
        try await producer.push(className: "Fail", args: ["forgotten"], retry: .never)

        let work = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(work.status == 0, "\(work.errors)")
        let dead = try await SidekiqFixtures.ruby("api.rb", ["dead"], redisURL: context.url)
        #expect(dead["size"] == 1)
        let entry = try #require(dead["entries"]?.arrayValue?.first)
        #expect(entry["jid"]?.stringValue == dying)
        #expect(entry["klass"] == "Fail" && entry["args"] == ["no second chance"])
        #expect(entry["item"]?["error_message"] == "no second chance")
        #expect(entry["item"]?["error_class"] == "RequestedFailure")
        #expect(entry["item"]?["retry_count"] == 0)
        #expect(entry["item"]?["retry"] == 0)
        #expect(abs((entry["at"]?.doubleValue ?? 0) - Date().timeIntervalSince1970) < 60, "the dead set's score is the time of death")
        let retries = try await SidekiqFixtures.ruby("api.rb", ["retries"], redisURL: context.url)
        #expect(retries["size"] == 0)
    }

    // MARK: 5. Process registry and stats

    @Test("Sidekiq::ProcessSet and Sidekiq::Workers show a running conveyor-worker and its jobs")
    func processSetAndWorkers() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let jids = try await (0..<3).asyncMap { _ in
            try await Producer(backend: context.backend).push(className: "Sleep", args: [60_000])
        }
        let worker = try context.startWorker(["--concurrency", "4", "--queue", "critical", "--queue", "default", "--timeout", "1"])
        let process = try await eventually(timeout: 30, "Sidekiq::ProcessSet shows the worker with 3 busy") { () -> JSONValue? in
            // Not `nil` in a ternary: JSONValue is ExpressibleByNilLiteral, so it would become `.null`.
            guard let process = try await context.sidekiqProcess(pid: worker.pid), process["busy"] == 3 else { return .none }
            return process
        }
        #expect(process["concurrency"] == 4)
        #expect(process["queues"] == ["critical", "default"])
        #expect(process["quiet"] == "false" && process["stopping"] == false)
        #expect(process["labels"] == ["conveyor"])
        #expect((process["rss"]?.intValue ?? 0) > 0)
        let identity = try #require(process["identity"]?.stringValue)
        #expect(identity.hasPrefix("\(process["hostname"]?.stringValue ?? "?"):\(worker.pid):"))

        let workers = try await SidekiqFixtures.ruby("api.rb", ["workers"], redisURL: context.url)
        #expect(workers["size"] == 3)
        let running = workers["workers"]?.arrayValue ?? []
        #expect(Set(running.compactMap { $0["jid"]?.stringValue }) == Set(jids))
        for work in running {
            #expect(work["process"]?.stringValue == identity)
            #expect(work["class"] == "Sleep" && work["args"] == [60_000] && work["queue"] == "default")
            let runAt = try #require(work["run_at"]?.intValue, "run_at is an integer epoch in Sidekiq")
            #expect(abs(Double(runAt) - Date().timeIntervalSince1970) < 60)
        }
        let stats = try await SidekiqFixtures.ruby("api.rb", ["stats"], redisURL: context.url)
        #expect(stats["workers_size"] == 3 && stats["processes_size"] == 1)

        worker.signal(SIGTERM)
        let result = await CommandLine.finish(worker)
        #expect(result.status == 0, "\(result.errors)")
        let after = try await SidekiqFixtures.ruby("api.rb", ["processes"], redisURL: context.url)
        #expect(after["processes"] == [], "the heartbeat must be gone once the worker stopped")
    }

    @Test("the Sidekiq Web UI renders Conveyor's process, running jobs, retries and dead jobs")
    func webUI() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let producer = Producer(backend: context.backend)
        let retried = try await producer.push(className: "Fail", args: ["retry me later"])
        let buried = try await producer.push(className: "Fail", args: ["rest in peace"], retry: .limit(0))
        let drained = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(drained.status == 0, "\(drained.errors)")
        let sleeping = try await (0..<2).asyncMap { _ in try await producer.push(className: "Sleep", args: [60_000]) }
        let worker = try context.startWorker(["--timeout", "1"])
        let identity = try await eventually(timeout: 30, "Sidekiq::ProcessSet shows the worker with 2 busy") { () -> String? in
            guard let process = try await context.sidekiqProcess(pid: worker.pid), process["busy"] == 2 else { return .none }
            return process["identity"]?.stringValue
        }

        let pages = try await SidekiqFixtures.ruby("web.rb", ["/", "/busy", "/queues", "/retries", "/morgue"], redisURL: context.url)
        for (name, page) in pages.objectValue ?? [:] {
            #expect(page["status"] == 200, "the Web UI's \(name) page failed: \(page["body"]?.stringValue?.prefix(2000) ?? "")")
        }
        let busy = pages["/busy"]?["body"]?.stringValue ?? ""
        #expect(busy.contains(identity), "the Busy page lists the worker")
        for jid in sleeping {
            #expect(busy.contains(jid), "the Busy page lists running job \(jid)")
        }
        #expect(pages["/retries"]?["body"]?.stringValue?.contains(retried) == true)
        #expect(pages["/morgue"]?["body"]?.stringValue?.contains(buried) == true)
        #expect(pages["retry:\(retried)"]?["body"]?.stringValue?.contains("retry me later") == true, "the retry's detail page shows its error")
        #expect(pages["dead:\(buried)"]?["body"]?.stringValue?.contains("rest in peace") == true, "the dead job's detail page shows its error")

        worker.signal(SIGTERM)
        #expect(await CommandLine.finish(worker).status == 0)
    }

    @Test("Sidekiq::Stats agrees with `conveyor stats --json`")
    func statsAgree() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let producer = Producer(backend: context.backend)
        try await producer.pushBulk((0..<10).map { _ in Job(className: "Noop") } + [
            Job(className: "Fail", args: ["to retry"]), Job(className: "Fail", args: ["to retry"]),
            Job(className: "Fail", args: ["to the dead set"], retry: .limit(0)),
        ])
        try await producer.pushBulk((0..<4).map { _ in Job(className: "Noop", queue: "unserved") })
        let work = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(work.status == 0, "\(work.errors)")

        let sidekiq = try await SidekiqFixtures.ruby("api.rb", ["stats"], redisURL: context.url)
        let conveyorStats = try await CommandLine.run("conveyor", ["stats", "--json"], redisURL: context.url)
        #expect(conveyorStats.status == 0, "\(conveyorStats.errors)")
        let conveyor = try JSONValue.parse(conveyorStats.output)
        #expect(sidekiq["processed"] == 13 && sidekiq["failed"] == 3)
        #expect(sidekiq["processed_today"] == 13 && sidekiq["failed_today"] == 3, "Sidekiq::Stats::History reads the daily counters")
        #expect(sidekiq["processed"] == conveyor["processed"])
        #expect(sidekiq["failed"] == conveyor["failed"])
        #expect(sidekiq["retry_size"] == conveyor["retries"] && sidekiq["retry_size"] == 2)
        #expect(sidekiq["dead_size"] == conveyor["dead"] && sidekiq["dead_size"] == 1)
        #expect(sidekiq["scheduled_size"] == conveyor["scheduled"])
        #expect(sidekiq["enqueued"] == 4)
        #expect(sidekiq["queues"]?["unserved"] == conveyor["queues"]?["unserved"])
        #expect(sidekiq["processes_size"] == conveyor["processes"])
    }

    // MARK: 6. Signals from the Sidekiq API

    @Test("Sidekiq::Process#quiet! stops a conveyor-worker fetching and #stop! shuts it down")
    func quietAndStopFromRuby() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let worker = try context.startWorker(["--timeout", "2"])
        let identity = try await eventually(timeout: 30, "Sidekiq::ProcessSet lists the worker") {
            try await context.sidekiqProcess(pid: worker.pid)?["identity"]?.stringValue
        }
        _ = try await SidekiqFixtures.ruby("api.rb", ["quiet", identity], redisURL: context.url)
        try await waitUntil(timeout: 30, "Sidekiq::ProcessSet shows the worker as quiet") {
            try await context.sidekiqProcess(pid: worker.pid)?["stopping"] == true
        }
        // Pushed while quiet: must still be waiting when the worker has stopped.
        try await Producer(backend: context.backend).push(className: "Record", args: ["recorded"])
        #expect(worker.isRunning, "quiet must not stop the process")

        _ = try await SidekiqFixtures.ruby("api.rb", ["stop", identity], redisURL: context.url)
        let result = await CommandLine.finish(worker)
        #expect(result.status == 0, "\(result.errors)")
        #expect(try await context.integer("SCARD", "recorded") == 0, "a quiet worker must not fetch")
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 1)
        let after = try await SidekiqFixtures.ruby("api.rb", ["processes"], redisURL: context.url)
        #expect(after["processes"] == [])
    }

    // MARK: 7. Payloads from newer Sidekiq versions

    @Test("jobs written by newer Sidekiq (millisecond timestamps, extra fields) run, and fail with their fields intact")
    func newerSidekiqPayloads() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let extras = #""tags":["billing","urgent"],"cattr":{"tenant_id":42,"locale":"de-CH"},"trace":{"span":"0af7651916cd43dd","sampled":true,"ratio":0.50,"big":1e3,"none":null}"#
        let recordJID = "0123456789abcdef01234567", failJID = "89abcdef0123456789abcdef"
        let record = #"{"retry":true,"queue":"default","class":"Record","args":["recorded"],"jid":"\#(recordJID)","created_at":1700000000123,"enqueued_at":1700000000456,\#(extras)}"#
        let failing = #"{"retry":3,"queue":"default","class":"Fail","args":["newer payload failed"],"jid":"\#(failJID)","created_at":1700000000123,"enqueued_at":1700000000456,\#(extras)}"#
        try await context.client.send("SADD", context.keys.queues, "default")
        try await context.client.send("LPUSH", context.keys.queue("default"), record, failing)

        let work = try await CommandLine.run("conveyor-worker", ["--drain"], redisURL: context.url)
        #expect(work.status == 0, "\(work.errors)")
        #expect(try await context.members("recorded") == [recordJID])

        let stored = try await context.client.send("ZRANGE", context.keys.set(.retry), 0, -1).array?.compactMap(\.string) ?? []
        #expect(stored.count == 1)
        let raw = try #require(stored.first)
        let original = try #require(try JSONValue.parse(failing).objectValue)
        let rewritten = try #require(try JSONValue.parse(raw).objectValue)
        for (key, value) in original {
            #expect(rewritten[key] == value, "field \(key) changed: \(value.jsonString) became \(rewritten[key]?.jsonString ?? "nothing")")
        }
        #expect(rewritten["error_message"] == "newer payload failed" && rewritten["retry_count"] == 0)
        #expect(raw.contains(#""created_at":1700000000123"#), "the millisecond timestamp's number text must be kept: \(raw)")
        #expect(raw.contains(#""ratio":0.50"#) && raw.contains(#""big":1e3"#), "number text must be kept: \(raw)")
        #expect(raw.contains(#""tags":["billing","urgent"]"#))

        // Sidekiq's own API reads the rewritten job.
        let retries = try await SidekiqFixtures.ruby("api.rb", ["retries"], redisURL: context.url)
        let entry = try #require(retries["entries"]?.arrayValue?.first)
        #expect(entry["jid"]?.stringValue == failJID && entry["klass"] == "Fail")
        #expect(entry["item"]?["tags"] == ["billing", "urgent"])
        #expect(entry["item"]?["cattr"]?["tenant_id"] == 42)
    }

    // MARK: 8. Trace context

    @Test("a traced push from Swift fails in Sidekiq, which keeps the trace fields; its retry in Swift continues the push's trace")
    func traceContextThroughSidekiq() async throws {
        let context = try await SidekiqTestContext()
        defer { context.stop() }
        let tracer = InMemoryTracer()
        let tracing = TracingMiddleware(tracer: tracer)
        let jid = try await Producer(backend: context.backend, middleware: [tracing]).push(className: "FailJob", args: ["ruby says no"])
        let injected = try #require(tracer.performedContextInjections.first?.values)
        #expect(!injected.isEmpty)

        let sidekiq = try context.startSidekiq()
        try await waitUntil(timeout: 60, "sidekiq failed the job") { try await context.integer("ZCARD", context.keys.set(.retry)) == 1 }
        sidekiq.signal(SIGTERM)
        let result = await CommandLine.finish(sidekiq)
        #expect(result.status == 0, "sidekiq exited \(result.status): \(result.errors)")
        let retries = try await SidekiqFixtures.ruby("api.rb", ["retries"], redisURL: context.url)
        let item = try #require(retries["entries"]?.arrayValue?.first?["item"])
        #expect(item["jid"]?.stringValue == jid && item["error_message"] == "ruby says no")
        for (key, value) in injected {
            #expect(item[key] == .string(value), "Sidekiq's retry must keep \(key)")
        }

        _ = try await SidekiqFixtures.ruby("api.rb", ["retry_all"], redisURL: context.url)
        var registry = JobRegistry()
        registry.register(className: "FailJob") { _, _ in }  // the Swift side succeeds
        try await Worker(backend: context.backend, registry: registry, configuration: WorkerConfiguration(middleware: [tracing])).runUntilIdle()
        let push = try #require(tracer.finishedSpans.first { $0.operationName == "default publish" })
        let run = try #require(tracer.finishedSpans.first { $0.operationName == "default process" })
        #expect(run.traceID == push.traceID && run.parentSpanID == push.spanID)
        // retry_all lowers retry_count by one (a retry by hand is not counted), so Sidekiq's failure
        // shows as no earlier failure, as Sidekiq itself counts it.
        #expect(run.attributes.get("conveyor.job.retry_count") == .int64(0))
    }
}

/// A typed Swift job for the Ruby `RecordHashJob`: it travels as one hash argument.
private struct RecordHash: JobParameters {
    static let jobName = "RecordHashJob"
    let setKey: String

    enum CodingKeys: String, CodingKey {
        case setKey = "set_key"
    }
}

/// A private redis-server with Sidekiq's plain key layout, a client and a namespace-less backend.
private struct SidekiqTestContext {
    let server: RedisTestServer
    let client: RedisClient
    let backend: RedisBackend
    let keys = RedisKeys()

    private let started = StartedProcesses()

    init() async throws {
        server = try await RedisTestServer.start()
        client = try server.makeClient()
        backend = RedisBackend(client: client)
    }

    /// Starts `conveyor-worker` on this server.
    func startWorker(_ arguments: [String]) throws -> ChildProcess {
        started.add(try CommandLine.start("conveyor-worker", arguments, redisURL: url))
    }

    /// Starts a real `sidekiq` server on this server.
    func startSidekiq(concurrency: Int = 5) throws -> ChildProcess {
        started.add(try SidekiqFixtures.startServer(redisURL: url, concurrency: concurrency))
    }

    var url: String { server.url }

    func integer(_ command: String, _ arguments: any RedisArgument...) async throws -> Int {
        let reply = try await client.send(RedisCommand(command, arguments: arguments))
        return reply.integer ?? reply.string.flatMap { Int($0) } ?? 0
    }

    func members(_ set: String) async throws -> Set<String> {
        Set(try await client.send("SMEMBERS", set).array?.compactMap(\.string) ?? [])
    }

    /// The process with this pid as `Sidekiq::ProcessSet` reports it, or `nil` when it is not listed.
    func sidekiqProcess(pid: pid_t) async throws -> JSONValue? {
        let processes = try await SidekiqFixtures.ruby("api.rb", ["processes"], redisURL: url)
        return processes["processes"]?.arrayValue?.first { $0["pid"]?.intValue == Int(pid) }
    }

    /// Jobs left in queues and private lists.
    func leftovers() async throws -> (queued: Int, inProgress: Int) {
        let statistics = try await backend.statistics()
        return (statistics.enqueued, statistics.inProgress)
    }

    /// Kills what a failed test left running, then stops the server. Called from `defer`, which cannot
    /// await the client's `close()`: the client goes with this context, and its thread ends on its own.
    func stop() {
        started.killRunning()
        server.stopInBackground()
    }
}

/// The processes a test started, so a failed expectation never leaves a worker or a sidekiq behind.
private final class StartedProcesses: @unchecked Sendable {
    // Safe: `lock` guards `processes`.
    private let lock = NSLock()
    private var processes: [ChildProcess] = []

    func add(_ process: ChildProcess) -> ChildProcess {
        lock.withLock { processes.append(process) }
        return process
    }

    func killRunning() {
        for process in lock.withLock({ processes }) where process.isRunning {
            process.signal(SIGKILL)
            _ = process.waitForExit(timeout: 5)
        }
    }
}

/// Polls `probe` every 100 ms until it returns a value, for up to `timeout` seconds.
private func eventually<T: Sendable>(timeout: Double, _ what: String, _ probe: @Sendable () async throws -> T?) async throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if let value = try await probe() { return value }
        guard Date() < deadline else { throw TestKitError("\(what) did not hold within \(timeout) s") }
        try await Task.sleep(for: .milliseconds(100))
    }
}

extension Sequence {
    /// `map` for async transforms, one element at a time.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
