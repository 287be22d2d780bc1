import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// Issue 8: every CLI entry point validates the same way, exits 64 for bad input and 1 for runtime
/// failures, and a real worker survives any number a payload can hold.
@Suite("Input validation through the CLIs", .serialized)
struct InputValidationTests {
    func conveyor(_ context: RedisTestContext, _ arguments: [String], input: Data? = nil) async throws -> CommandLine.Result {
        try await CommandLine.run("conveyor", arguments + ["--namespace", context.namespace], redisURL: context.server.url, input: input)
    }

    @Test("a real conveyor-worker survives jobs with extreme numbers and still processes the next job")
    func workerSurvivesExtremeNumbers() async throws {
        let context = try await RedisTestContext("extreme")
        let worker = try CommandLine.start("conveyor-worker", ["--namespace", context.namespace], redisURL: context.server.url)
        for arguments in [["Sleep", "[1e400]"], ["Sleep", "[1e30]"], ["Sleep", "[-1e400]"], ["Sleep", "[9223372036854775808]"], ["Record", #"["k",1e400]"#]] {
            let push = try await conveyor(context, ["push"] + arguments)
            #expect(push.status == 0, "\(arguments): \(push.errors)")
        }
        let file = [
            #"{"class":"Fail","args":["boom"],"retry_count":9223372036854775807}"#,
            #"{"class":"Fail","args":["boom"],"retry":1000000,"retry_count":60000}"#,
        ].joined(separator: "\n")
        let pushed = try await conveyor(context, ["push", "--file", "-"], input: Data(file.utf8))
        #expect(pushed.status == 0, "\(pushed.errors)")
        // enqueued_at is stamped by every push, so these go in as raw payloads.
        for enqueuedAt in ["1e400", "-1e23"] {
            let payload = #"{"class":"Latency","args":["\#(context.namespace):latencies"],"jid":"\#(JobID.generate())","enqueued_at":\#(enqueuedAt)}"#
            try await context.client.send("LPUSH", context.keys.queue("default"), payload)
        }
        let done = "\(context.namespace):done"
        #expect(try await conveyor(context, ["push", "Record", "[\"\(done)\"]"]).status == 0)
        try await waitUntil(timeout: 30, "the job after the extreme ones ran") { try await context.integer("SCARD", done) == 1 }
        #expect(worker.isRunning, "the worker must survive every extreme job")
        let statistics = try await context.backend.statistics()
        #expect(statistics.retries == 8, "Sleep ×4, Record, Latency ×2 fail with their reason, Fail 60000 is retried")
        #expect(statistics.dead == 1, "Fail with retry_count Int.max is out of retries")
        let retries = try await context.backend.entries(in: .retry, offset: 0, limit: 10).entries
        for entry in retries {
            let message = entry.job?.fields["error_message"]?.stringValue ?? ""
            #expect(message.contains("do not fit its handler") || message == "boom", "\(message)")
        }
        worker.signal(SIGTERM)
        #expect(await CommandLine.finish(worker).status == 0)
        try await context.finish()
    }

    @Test("bad input exits 64 with a message; runtime failures exit 1", arguments: [
        (["push", "Noop", "not json"], 64, "not valid JSON"),
        (["push", "Noop", "{\"a\":1}"], 64, "must be a JSON array"),
        (["push", "Noop", "--queue", "a,3"], 64, "comma"),
        (["push", "Noop", "--queue", " "], 64, "only whitespace"),
        (["push", "Noop", "--queue", "a\u{1}"], 64, "control character"),
        (["push", " "], 64, "not only whitespace"),
        (["push", "Noop", "--in", "0x10s"], 64, "decimal number"),
        (["push", "Noop", "--in", "9e99d"], 64, "decimal number"),
        (["push", "Noop", "--in", "99999999d"], 64, "more than 100 years"),
        (["push", "Noop", "--in", "infs"], 64, "decimal number"),
        (["push", "Noop", "--at", "2026-12-01 09:00"], 64, "not a time"),
        (["push", "Noop", "--at", "99999999999"], 64, "more than 100 years"),
        (["push", "Noop", "--redis", "redis://127.0.0.1:notaport"], 64, "port"),
        (["push", "Noop", "--redis", "http://127.0.0.1"], 64, "scheme"),
        (["stats", "--redis", "redis://127.0.0.1:1", "--cacert", "/tmp/ca.crt"], 64, "--cacert is a TLS setting"),
        (["stats", "--redis", "rediss://127.0.0.1:1/0?bogus=1"], 64, "cacert, cert, key or insecure"),
        (["push", "--file", "/nonexistent/jobs.ndjson"], 1, "Cannot open the push file"),
        (["push", "Noop", "--redis", "redis://127.0.0.1:1"], 1, "Could not connect"),
        (["stop", "nobody:1:abc"], 1, "No live worker process has the identity 'nobody:1:abc'. `conveyor processes` lists the live workers."),
    ])
    func exitCodes(arguments: [String], status: Int32, expected: String) async throws {
        let server = try await RedisTestServer.shared()
        let result = try await CommandLine.run("conveyor", arguments, redisURL: server.url)
        #expect(result.status == status, "stderr was: \(result.errors)")
        #expect(result.errors.contains(expected), "stderr was: \(result.errors)")
    }

    @Test("a bad REDIS_URL exits 64, as a bad --redis does")
    func badEnvironmentURL() async throws {
        let result = try await CommandLine.run("conveyor", ["stats"], redisURL: "redis://127.0.0.1:0")
        #expect(result.status == 64 && result.errors.contains("port"), "\(result.errors)")
        #expect(result.errors.contains("Fix the URL given with --redis or REDIS_URL."), "\(result.errors)")
    }

    @Test("conveyor-worker bounds --concurrency and every seconds flag", arguments: [
        (["--concurrency", "1000000"], "--concurrency must be from 1 to 10000"),
        (["--queue", "a,b,c"], "bad weight"),
        (["--queue", "a\u{7}"], "control character"),
        (["--timeout", "1e300"], "--timeout must be a number of seconds up to 31536000"),
        (["--heartbeat-interval", "1e300", "--stale-after", "1e301"], "--heartbeat-interval must be"),
        (["--recovery-interval", "inf"], "--recovery-interval must be"),
        (["--retry-delay", "nan"], "--retry-delay must be"),
    ])
    func workerBounds(arguments: [String], expected: String) async throws {
        let result = try await CommandLine.run("conveyor-worker", arguments, redisURL: "redis://127.0.0.1:1")
        #expect(result.status == 64, "\(result.errors)")
        #expect(result.errors.contains(expected), "\(result.errors)")
    }

    @Test("push refuses args a worker could not read and arguments that are not UTF-8")
    func pushDepthAndUTF8() async throws {
        let context = try await RedisTestContext("depth")
        let deepest = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        let accepted = try await conveyor(context, ["push", "Noop", deepest])
        #expect(accepted.status == 0, "\(accepted.errors)")
        let tooDeep = try await conveyor(context, ["push", "Noop", "[" + deepest + "]"])
        #expect(tooDeep.status == 64 && tooDeep.errors.contains("nested at most 511 levels"), "\(tooDeep.errors)")
        let work = try await CommandLine.run("conveyor-worker", ["--drain", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(work.status == 0)
        let statistics = try await context.backend.statistics()
        #expect(statistics.processed == 1 && statistics.dead == 0, "the 511-deep job must run")

        // Invalid UTF-8 cannot travel through CommandLine.run's String arguments: exec through sh's printf.
        let script = "exec \"$0\" push Noop \"$(printf '[\"\\377\"]')\" --namespace \(context.namespace)"
        let process = try ChildProcess("/bin/sh", ["-c", script, CommandLine.path("conveyor")], environment: ["REDIS_URL": context.server.url])
        let result = await CommandLine.finish(process)
        #expect(result.status == 64 && result.errors.contains("is not valid UTF-8"), "\(result.errors)")
        try await context.finish()
    }

    @Test("push files: a BOM is skipped, bad retry values and queues are refused with exit 64")
    func pushFiles() async throws {
        let context = try await RedisTestContext("bom")
        let withBOM = Data([0xEF, 0xBB, 0xBF] + Array(#"{"class":"Noop","args":[1]}"#.utf8))
        let accepted = try await conveyor(context, ["push", "--file", "-"], input: withBOM)
        #expect(accepted.status == 0, "\(accepted.errors)")
        for (line, reason) in [(#"{"class":"Noop","retry":"yes"}"#, "not the string 'yes'"), (#"{"class":"Noop","queue":"a,3"}"#, "comma"), (#"{"class":" "}"#, "only whitespace")] {
            let refused = try await conveyor(context, ["push", "--file", "-"], input: Data(line.utf8))
            #expect(refused.status == 64 && refused.errors.contains(reason) && refused.errors.contains("line 1"), "\(refused.errors)")
        }
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 1)
        try await context.finish()
    }

    @Test("--at takes an offset (converted to UTC) and epoch seconds")
    func atWithOffset() async throws {
        let context = try await RedisTestContext("at")
        let offset = try await conveyor(context, ["push", "Noop", "--at", "2100-12-01T09:00:00+02:00"])
        #expect(offset.status == 0 && offset.output.contains("2100-12-01T07:00:00Z"), "\(offset.output) \(offset.errors)")
        let epoch = try await conveyor(context, ["push", "Noop", "--at", "4120000000"])
        #expect(epoch.status == 0, "\(epoch.errors)")
        let scores = try await context.client.send("ZRANGE", context.keys.set(.schedule), 0, -1, "WITHSCORES").array?.compactMap(\.string) ?? []
        #expect(scores.count == 4 && Double(scores[1]) == 4_120_000_000 && Double(scores[3]) == 4_131_327_600, "\(scores)")
        try await context.finish()
    }

    @Test("an empty password in the URL sends no AUTH")
    func emptyPassword() async throws {
        let server = try await RedisTestServer.shared()
        let port = server.url.split(separator: ":").last!.split(separator: "/").first!
        let result = try await CommandLine.run("conveyor", ["stats", "--redis", "redis://:@127.0.0.1:\(port)/0"], redisURL: "")
        #expect(result.status == 0, "\(result.errors)")
    }

    @Test("stop and quiet refuse a worker whose heartbeat stopped, naming it, and exit 1")
    func stopDeadWorker() async throws {
        let context = try await RedisTestContext("stop-dead")
        let identity = "gone:4242:0123456789ab"
        try await context.client.send("HSET", context.keys.process(identity), "beat", WallClock.now() - 120, "info", "{}")
        try await context.client.send("SADD", context.keys.processes, identity)
        for command in ["stop", "quiet"] {
            let result = try await conveyor(context, [command, identity])
            #expect(result.status == 1 && result.errors.contains("'\(identity)' is not running"), "\(result.errors)")
        }
        #expect(try await context.integer("EXISTS", context.keys.signals(identity)) == 0, "nothing may be sent to a dead worker")
        try await context.client.send("HSET", context.keys.process(identity), "beat", WallClock.now())
        let live = try await conveyor(context, ["quiet", identity])
        #expect(live.status == 0, "\(live.errors)")
        try await context.finish()
    }

    @Test("dead entries that are not jobs show why, are labelled correctly and can be deleted and retried one at a time")
    func deadNonJobs() async throws {
        let context = try await RedisTestContext("dead-non-jobs")
        let now = WallClock.now()
        for (offset, payload) in ["{not json", "[1,2]", #""just a string""#].enumerated() {
            try await context.client.send("ZADD", context.keys.set(.dead), now + Double(offset), payload)
        }
        let table = try await conveyor(context, ["dead", "list"])
        #expect(table.status == 0)
        #expect(table.output.contains("(not JSON)") && table.output.contains("(not a job)"), "\(table.output)")
        #expect(table.output.contains("not valid JSON") && table.output.contains("JSON but not an object"), "\(table.output)")
        let listed = try JSONValue.parse(try await conveyor(context, ["dead", "list", "--json"]).output).arrayValue ?? []
        let ids = listed.compactMap { $0.objectValue?["id"]?.stringValue }
        #expect(ids.count == 3 && ids.allSatisfy { $0.hasPrefix("payload-") }, "\(ids)")
        #expect(listed.first?.objectValue?["error"]?.stringValue?.contains("not valid JSON") == true)

        let deleted = try await conveyor(context, ["dead", "delete", ids[0]])
        #expect(deleted.status == 0, "\(deleted.errors)")
        let retried = try await conveyor(context, ["dead", "retry", ids[1]])
        #expect(retried.status == 0, "\(retried.errors)")
        #expect(try await context.client.send("LINDEX", context.keys.queue("default"), 0).string == "[1,2]")
        let remaining = try await context.backend.entries(in: .dead, offset: 0, limit: 10).entries
        #expect(remaining.map { String(decoding: $0.payload, as: UTF8.self) } == [#""just a string""#])
        try await context.finish()
    }
}
