import Conveyor
import ConveyorSupport
import Logging
import Testing

private struct Newsletter: JobParameters {
    static let jobName = "Newsletter"
    static var queue: String { "mail" }
    let issue: Int
}

/// What a team building its own worker on the library tripped over, each with its right behaviour.
@Suite("Library use: registration, queues, typed bulk pushes")
struct LibraryUserTests {
    @Test("registering one job class twice stops the program with a message, instead of replacing the first handler")
    func duplicateRegistrationIsRefused() async {
        await #expect(processExitsWith: .failure) {
            var registry = JobRegistry()
            registry.register(className: "Report") { _, _ in }
            registry.register(className: "Report") { _, _ in }
        }
    }

    @Test("a worker that serves none of a typed job's queue says so at start")
    func unservedQueueIsSaid() async throws {
        let lines = Locked<[(level: Logger.Level, message: String)]>([])
        let logger = Logger(label: "test") { _ in CapturingHandler(lines: lines) }
        var registry = JobRegistry()
        registry.register(Newsletter.self) { _, _ in }
        let backend = InMemoryBackend()
        try await Producer(backend: backend).push(Newsletter(issue: 1))
        try await Worker(backend: backend, registry: registry, logger: logger).runUntilIdle()
        let warning = lines.withLock { $0 }.first { $0.level == .warning && $0.message.contains("'Newsletter'") }
        #expect(warning?.message.contains("queue 'mail', which this worker does not serve") == true, "\(lines.withLock { $0 }.map(\.message))")
        #expect(warning?.message.contains("Add 'mail' to the worker's queues") == true, "\(String(describing: warning))")
        #expect(warning?.message.contains("--") == false, "a library message names no command-line flag")
        #expect(backend.statisticsSnapshot.queues["mail"] == 1, "the job should still wait in its queue")
    }

    @Test("typed jobs push in bulk, each to its type's queue or the one given, jids in order")
    func typedBulkPush() async throws {
        let backend = InMemoryBackend()
        let producer = Producer(backend: backend)
        let jids = try await producer.pushBulk([Newsletter(issue: 1), Newsletter(issue: 2), Newsletter(issue: 3)])
        let elsewhere = try await producer.pushBulk([Newsletter(issue: 4)], queue: "bulk")
        #expect(jids.count == 3 && Set(jids).count == 3)
        let queued = backend.jobs(inQueue: "mail")
        #expect(queued.map(\.jid) == jids)
        #expect(queued.map { try? Newsletter.decode(from: $0.args).issue } == [1, 2, 3])
        #expect(backend.jobs(inQueue: "bulk").map(\.jid) == elsewhere)
    }
}
