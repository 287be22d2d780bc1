import Conveyor
import ConveyorSupport
import Logging
import Testing

/// Issue 9: a log collector gathers one job's lines by its jid, class and queue, whatever wrote them.
@Suite("Job metadata on log lines")
struct JobLogMetadataTests {
    private struct Refused: Error, CustomStringConvertible {
        var description: String { "refused\n2026-12-01T05:40:00+0000 critical conveyor.worker: forged" }
    }

    @Test("the handler's lines and the worker's lines about a job (failed, dead, no handler) carry its jid, class and queue, escaped")
    func everyJobLineCarriesTheJob() async throws {
        let lines = Locked<[CapturedLine]>([])
        let logger = Logger(label: "test") { _ in MetadataCapturingHandler(lines: lines) }
        var registry = JobRegistry()
        registry.register(className: "Talks") { _, context in context.logger.info("Hello from the handler.") }
        registry.register(className: "Fails") { _, _ in throw Refused() }
        registry.register(className: "Dies") { _, _ in throw Refused() }
        let backend = InMemoryBackend()
        let producer = Producer(backend: backend)
        let jobs = [
            ("Talks", try await producer.push(className: "Talks", queue: "mail")),
            ("Fails", try await producer.push(className: "Fails", queue: "mail", retry: .never)),
            ("Dies", try await producer.push(className: "Dies", queue: "mail", retry: .limit(0))),
            ("Missing\nClass", try await producer.push(className: "Missing\nClass", queue: "mail", retry: .never)),
        ]
        let configuration = try WorkerConfiguration(queues: QueueSelection(strict: ["mail"]))
        try await Worker(backend: backend, registry: registry, configuration: configuration, logger: logger).runUntilIdle()

        let captured = lines.withLock { $0 }
        for (className, jid) in jobs {
            let about = captured.filter { $0.metadata["jid"] == .string(jid) }
            #expect(!about.isEmpty, "no line about \(className)")
            for line in about {
                #expect(line.metadata["class"] == .string(LogText.escaped(className)), "\(line)")
                #expect(line.metadata["queue"] == "mail", "\(line)")
            }
        }
        let messages = captured.filter { $0.metadata["jid"] != nil }.map(\.message)
        #expect(messages.contains("Hello from the handler."))
        #expect(messages.contains("Job failed; it is dropped, as its retry (or dead) option asks."), "\(messages)")
        #expect(messages.contains("Job failed; it has no retries left and goes to the dead set."), "\(messages)")
        #expect(messages.contains("No handler for this job class; it is dropped, as its retry (or dead) option asks."), "\(messages)")
        for line in captured {
            #expect(!line.message.contains("\n"), "\(line)")
            for case .string(let value) in line.metadata.values {
                #expect(!value.contains("\n"), "job data must reach the line escaped: \(line)")
            }
        }
    }
}

private struct CapturedLine: Sendable {
    let level: Logger.Level
    let message: String
    let metadata: Logger.Metadata
}

/// Keeps every line with its merged metadata (the logger's and the call's).
private struct MetadataCapturingHandler: LogHandler {
    let lines: Locked<[CapturedLine]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, call in call }
        lines.withLock { $0.append(CapturedLine(level: event.level, message: event.message.description, metadata: merged)) }
    }
}
