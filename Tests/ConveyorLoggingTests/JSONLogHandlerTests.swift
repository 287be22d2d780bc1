import ConveyorJSON
@testable import ConveyorLogging
import Foundation
import Logging
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// A logger writing JSON lines to a collector, at `level`.
    func logger(_ label: String = "conveyor.test", level: Logger.Level = .trace, provider: Logger.MetadataProvider? = nil) -> (Logger, LineCollector) {
        let collector = LineCollector()
        var logger = Logger(label: label) { label in
            JSONLogHandler(label: label, output: collector.output, metadataProvider: provider)
        }
        logger.logLevel = level
        return (logger, collector)
    }

    /// The one object a line holds, checking that it is one complete line.
    func object(_ line: [UInt8]) throws -> JSONObject {
        #expect(line.last == UInt8(ascii: "\n"), "a line ends with its newline")
        #expect(line.filter { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }.count == 1, "one line: \(String(decoding: line, as: UTF8.self))")
        let value = try JSONValue.parse(line.dropLast())
        return try #require(value.objectValue)
    }

    @Test("each call writes one JSON object on one line, with time, level, label, message and metadata in that order")
    func oneObjectPerLine() throws {
        let (logger, collector) = logger("conveyor.worker")
        logger.info("Worker started.", metadata: ["queues": "default"])
        logger.warning("Second line.")
        #expect(collector.written.count == 2)
        let first = try object(collector.written[0])
        #expect(first.keys == ["time", "level", "label", "message", "metadata"])
        #expect(first["level"] == .string("info"))
        #expect(first["label"] == .string("conveyor.worker"))
        #expect(first["message"] == .string("Worker started."))
        #expect(first["metadata"] == .object(["queues": .string("default")]))
        let second = try object(collector.written[1])
        #expect(second["metadata"] == .object([:]), "metadata is always there, empty when there is none")
        let time = try #require(first["time"]?.stringValue)
        #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(time)")
    }

    @Test("the time is UTC with milliseconds")
    func timeFormat() {
        #expect(LogTimestamp.format(secondsSinceEpoch: 1_796_115_600, milliseconds: 7) == "2026-12-01T09:00:00.007Z")
        #expect(LogTimestamp.format(secondsSinceEpoch: 0, milliseconds: 999) == "1970-01-01T00:00:00.999Z")
        let now = Date().timeIntervalSince1970
        let written = LogTimestamp.now()
        #expect(written.hasPrefix(LogTimestamp.format(secondsSinceEpoch: Int(now), milliseconds: 0).prefix(15)), "\(written)")
    }

    @Test("level names are swift-log's, and lines below the logger's level are not written")
    func levels() throws {
        let (logger, collector) = logger()
        for level in Logger.Level.allCases {
            logger.log(level: level, "at \(level.rawValue)")
        }
        let names = try collector.written.map { try object($0)["level"]?.stringValue }
        #expect(names == ["trace", "debug", "info", "notice", "warning", "error", "critical"])

        let (quieter, quieterLines) = self.logger(level: .warning)
        quieter.info("not written")
        quieter.debug("not written")
        quieter.error("written")
        #expect(quieterLines.written.count == 1)
    }

    @Test("metadata: the logger's, the provider's and the call's, the latter winning; nested values as objects and arrays")
    func metadata() throws {
        let provider = Logger.MetadataProvider { ["request": "r-1", "shared": "provider"] }
        var (logger, collector) = logger(provider: provider)
        logger[metadataKey: "jid"] = "5e2f"
        logger[metadataKey: "shared"] = "logger"
        logger.info("x", metadata: [
            "count": "\(42)",
            "convertible": .stringConvertible(42),
            "nested": .dictionary(["b": "2", "a": .array(["x", .dictionary(["deep": "y"])])]),
            "list": .array(["1", "2"]),
        ])
        let metadata = try #require(try object(collector.written[0])["metadata"]?.objectValue)
        #expect(metadata.keys == ["convertible", "count", "jid", "list", "nested", "request", "shared"], "sorted keys")
        #expect(metadata["count"] == .string("42"), "every value is a string, as the call gave it")
        #expect(metadata["convertible"] == .string("42"))
        #expect(metadata["jid"] == .string("5e2f"))
        #expect(metadata["request"] == .string("r-1"))
        #expect(metadata["shared"] == .string("provider"), "the provider overrides the logger's metadata")
        #expect(metadata["list"] == .array([.string("1"), .string("2")]))
        #expect(metadata["nested"] == .object(["a": .array([.string("x"), .object(["deep": .string("y")])]), "b": .string("2")]))

        logger.info("y", metadata: ["shared": "call"])
        #expect(try object(collector.written[1])["metadata"]?.objectValue?["shared"] == .string("call"), "the call overrides both")
    }

    @Test("an error attached to the event is written as error.message and error.type")
    func attachedError() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "it broke" } }
        let collector = LineCollector()
        var event = LogEvent(level: .error, message: "failed", metadata: nil, source: nil, file: #fileID, function: #function, line: #line)
        event.error = Broken()
        JSONLogHandler(label: "t", output: collector.output).log(event: event)
        let metadata = try #require(try object(collector.written[0])["metadata"]?.objectValue)
        #expect(metadata["error.message"] == .string("it broke"))
        #expect(metadata["error.type"]?.stringValue?.hasSuffix("Broken") == true)
    }

    /// Job data a pusher controls, trying to end the line and start a forged one.
    static let forgeries = [
        "done\n{\"time\":\"2026-12-01T05:40:00.000Z\",\"level\":\"critical\",\"label\":\"conveyor.worker\",\"message\":\"forged\",\"metadata\":{}}",
        "a\r\n{\"level\":\"critical\"}",
        "quote \" backslash \\ \"} , {\"level\":\"critical\"",
        "nul \u{0} bell \u{7} escape \u{1B}[31m delete \u{7F}",
        "next line \u{85} csi \u{9B}2J line separator \u{2028} paragraph \u{2029}{\"level\":\"critical\"}",
        "unicode é 😀 stays as it is",
    ]

    @Test("job data in the message or metadata stays inside its string, on one line, and parses back unchanged", arguments: forgeries)
    func forgingAttempt(data: String) throws {
        let (logger, collector) = logger("conveyor.worker")
        logger.warning("Job failed: \(data)", metadata: ["error": "\(data)", "args": .array([.string(data)]), data: "key"])
        #expect(collector.written.count == 1)
        let line = try #require(collector.written.first)
        let parsed = try object(line)
        #expect(parsed.keys == ["time", "level", "label", "message", "metadata"], "no member was added or replaced")
        #expect(parsed["level"] == .string("warning"))
        #expect(parsed["message"] == .string("Job failed: \(data)"))
        let metadata = try #require(parsed["metadata"]?.objectValue)
        #expect(metadata["error"] == .string(data))
        #expect(metadata["args"] == .array([.string(data)]))
        #expect(metadata[data] == .string("key"), "keys are escaped too")
        // Nothing a reader could take for a line break or a terminal command is left raw.
        let text = String(decoding: line.dropLast(), as: UTF8.self)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" }, "\(text)")
        #expect(text.split(whereSeparator: \.isNewline).count == 1, "Swift sees one line too")
    }

    @Test("lines written from many threads at once never interleave, even lines longer than a pipe's atomic write")
    func concurrentLinesStayWhole() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-log-\(UUID().uuidString)").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { unlink(path) }
        let output = LogOutput.fileDescriptor(descriptor)
        let threads = 8, linesPerThread = 100
        let padding = String(repeating: "x", count: 10_000)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let logger = Logger(label: "conveyor.test") { JSONLogHandler(label: $0, output: output) }
            for number in 0..<linesPerThread {
                logger.info("line \(thread)-\(number)", metadata: ["padding": "\(padding)"])
            }
        }
        close(descriptor)
        let lines = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == threads * linesPerThread)
        var messages = Set<String>()
        for line in lines {
            let parsed = try #require(try JSONValue.parse(line).objectValue)
            #expect(parsed["metadata"]?.objectValue?["padding"] == .string(padding))
            messages.insert(parsed["message"]?.stringValue ?? "")
        }
        #expect(messages.count == threads * linesPerThread, "every line arrived whole, once")
    }

    @Test("the handler's level and metadata are values: changing one logger leaves its copies alone")
    func valueSemantics() {
        var first = Logger(label: "t") { JSONLogHandler(label: $0, output: LineCollector().output) }
        first.logLevel = .debug
        first[metadataKey: "only-on"] = "first"
        var second = first
        second.logLevel = .error
        second[metadataKey: "only-on"] = "second"
        #expect(first.logLevel == .debug && second.logLevel == .error)
        #expect(first[metadataKey: "only-on"] == "first" && second[metadataKey: "only-on"] == "second")
    }
}
