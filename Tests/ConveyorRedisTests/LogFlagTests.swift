import Conveyor
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import Testing

/// Issue 9: `--log-level` and `--log-format` on both executables, JSON lines that job data cannot
/// forge, and the job's jid, class and queue on every line about it.
@Suite("Log flags of conveyor and conveyor-worker", .serialized)
struct LogFlagTests {
    /// Job data that tries to end its line and start a forged one.
    static let forgery = "boom\n{\"time\":\"2026-12-01T05:40:00.000Z\",\"level\":\"critical\",\"label\":\"conveyor.worker\",\"message\":\"forged\",\"metadata\":{}}\r\u{2028}\u{85}"

    /// Pushes to queue `logs` a job that logs (Echo), one that fails (Fail, dropped so the drain ends)
    /// and one no handler knows, all carrying the forgery; returns their jids by class.
    func pushJobs(_ context: RedisTestContext) async throws -> [String: String] {
        let producer = Producer(backend: context.backend)
        return [
            "Echo": try await producer.push(className: "Echo", args: [.string(Self.forgery)], queue: "logs"),
            "Fail": try await producer.push(className: "Fail", args: [.string(Self.forgery)], queue: "logs", retry: .never),
            "Missing\nClass": try await producer.push(className: "Missing\nClass", args: [], queue: "logs", retry: .never),
        ]
    }

    func runWorker(_ context: RedisTestContext, _ logFlags: [String]) async throws -> CommandLine.Result {
        let result = try await CommandLine.run(
            "conveyor-worker", ["--drain", "--queue", "logs", "--namespace", context.namespace] + logFlags, redisURL: context.server.url
        )
        #expect(result.status == 0, "\(result.errors)")
        return result
    }

    @Test("conveyor-worker --log-format json --log-level debug: every stderr line is one JSON object, and the lines about a job carry its jid, class and queue")
    func workerWritesJSONLines() async throws {
        let context = try await RedisTestContext("json-logs")
        let jids = try await pushJobs(context)
        let result = try await runWorker(context, ["--log-format", "json", "--log-level", "debug"])
        let lines = result.errors.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(result.errors.hasSuffix("\n") && lines.count >= 5, "\(result.errors)")
        var objects: [JSONObject] = []
        for line in lines {
            let object = try #require(try? JSONValue.parse(Array(line.utf8)).objectValue, "not a JSON object: \(line)")
            #expect(object.keys == ["time", "level", "label", "message", "metadata"], "\(line)")
            objects.append(object)
        }
        #expect(objects.contains { $0["level"] == .string("debug") }, "--log-level debug writes debug lines")
        #expect(!objects.contains { $0["level"] == .string("critical") }, "no forged line")
        // The worker's own lines, and the Redis client's (its connection thread says when it stops).
        #expect(objects.allSatisfy { [.string("conveyor.worker"), .string("conveyor.redis")].contains($0["label"]) }, "\(objects.map { $0["label"] })")
        #expect(objects.contains { $0["label"] == .string("conveyor.worker") })
        for (className, jid) in jids {
            let about = objects.filter { $0["metadata"]?.objectValue?["jid"] == .string(jid) }
            #expect(!about.isEmpty, "no line about \(className)")
            for object in about {
                let metadata = try #require(object["metadata"]?.objectValue)
                #expect(metadata["class"] == .string(className.replacingOccurrences(of: "\n", with: "\\n")), "\(metadata)")
                #expect(metadata["queue"] == .string("logs"), "\(metadata)")
            }
        }
        let messages = objects.compactMap { $0["message"]?.stringValue }
        #expect(messages.contains { $0.hasPrefix("Echo [") }, "the handler's own line")
        #expect(messages.contains { $0.hasPrefix("Job failed; it is dropped") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("No handler for this job class; it is dropped") }, "\(messages)")
        try await context.finish()
    }

    @Test("conveyor-worker in text format: job data cannot start a line of its own")
    func workerTextLinesStayWhole() async throws {
        let context = try await RedisTestContext("text-logs")
        let jids = try await pushJobs(context)
        let result = try await runWorker(context, ["--log-level", "info"])
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count >= 4, "\(result.errors)")
        for line in lines {
            #expect(line.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (info|notice|warning|error) conveyor\.worker: .*/) != nil, "a line that is not a log record: \(line)")
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" }, "\(line)")
        }
        for jid in jids.values {
            #expect(lines.contains { $0.contains("jid=\(jid)") && $0.contains("queue=logs") && $0.contains("class=") }, "no line about \(jid)")
        }
        try await context.finish()
    }

    @Test("a bad level or format exits 64 with a message, from a flag or the environment", arguments: [
        ("conveyor", ["--log-level", "bogus", "stats"], [:], #"--log-level "bogus" is not a log level"#),
        ("conveyor", ["stats", "--log-format", "yaml"], [:], #"--log-format "yaml" is not a log format"#),
        ("conveyor", ["retry", "list"], ["CONVEYOR_LOG_LEVEL": "loud"], #"CONVEYOR_LOG_LEVEL "loud" is not a log level"#),
        ("conveyor-worker", ["--log-level", "bogus"], [:], #"--log-level "bogus" is not a log level"#),
        ("conveyor-worker", ["--log-format", "xml"], [:], #"--log-format "xml" is not a log format"#),
        ("conveyor-worker", [], ["CONVEYOR_LOG_FORMAT": "yaml"], #"CONVEYOR_LOG_FORMAT "yaml" is not a log format"#),
    ] as [(String, [String], [String: String], String)])
    func badValuesExit64(program: String, arguments: [String], environment: [String: String], expected: String) async throws {
        // Nothing listens on port 1: a value that slipped through would end in a connection error, exit 1.
        let process = try ChildProcess(CommandLine.path(program), arguments, environment: environment.merging(["REDIS_URL": "redis://127.0.0.1:1"]) { $1 })
        let result = await CommandLine.finish(process)
        #expect(result.status == 64, "\(result.errors)")
        #expect(result.errors.contains(expected), "\(result.errors)")
    }

    @Test("conveyor writes the Redis client's log lines as JSON when asked, and by default only errors")
    func conveyorClientLines() async throws {
        let unreachable = ["stats", "--redis", "redis://127.0.0.1:1"]
        let quiet = try await CommandLine.run("conveyor", unreachable, redisURL: "")
        #expect(quiet.status == 1)
        let quietLines = quiet.errors.split(separator: "\n")
        #expect(quietLines.count == 1 && quietLines[0].hasPrefix("error: Could not connect"), "only the command's own message: \(quiet.errors)")

        let json = try await CommandLine.run("conveyor", ["--log-format", "json", "--log-level", "warning"] + unreachable, redisURL: "")
        #expect(json.status == 1)
        let logLines = json.errors.split(separator: "\n").filter { !$0.hasPrefix("error: ") }
        #expect(logLines.count == 1, "\(json.errors)")
        let object = try #require(try? JSONValue.parse(Array((logLines.first ?? "").utf8)).objectValue, "\(json.errors)")
        #expect(object["label"] == .string("conveyor.redis") && object["level"] == .string("warning"), "\(object)")
    }
}
