@testable import Conveyor
import Foundation
import Testing

/// The rules every entry point shares: queue names, class names, retry values, args depth, log text.
@Suite("Input rules shared by every entry point")
struct InputRuleTests {
    @Test("queue names a worker cannot serve are refused, saying which rule", arguments: [
        ("", "it is empty"), (" ", "only whitespace"), ("\t", "only whitespace"), ("a,3", "comma"),
        ("a\nb", "control character"), ("a\u{7F}", "control character"), (" a", "starts or ends with whitespace"),
    ])
    func badQueueNames(name: String, rule: String) {
        #expect(throws: QueueNameError.self) { try QueueName.check(name) }
        do {
            try QueueName.check(name)
        } catch {
            #expect(error.description.contains(rule), "\(error)")
            #expect(!error.description.contains("\n"), "the name must be escaped in the message")
            #expect(!error.description.contains("--"), "a library message names no command-line flag: \(error)")
        }
    }

    /// Which `conveyor` command shows what is there is the CLI's advice to add, not the core's.
    @Test("admin errors say what is missing, without command-line advice")
    func adminErrorsNameNoCommand() {
        let errors: [AdminError] = [
            .unknownJID("0123456789abcdef01234567", set: .retry), .unknownJID("x", set: .schedule),
            .unknownProcess("web-1:42:abc"), .stoppedProcess("web-1:42:abc", beatAge: 75),
        ]
        for error in errors {
            #expect(!error.description.contains("conveyor ") && error.description.hasSuffix("."), "\(error)")
        }
        #expect(AdminError.unknownJID("0123456789abcdef01234567", set: .retry).description == "No job with jid 0123456789abcdef01234567 is in the retry set.")
    }

    @Test("ordinary queue names pass", arguments: ["default", "critical", "mail.low", "a b", "émails", "q-1_x"])
    func goodQueueNames(name: String) throws {
        try QueueName.check(name)
    }

    @Test("the worker's --queue parsing uses the same rule")
    func queueSelectionUsesTheRule() {
        #expect(throws: QueueSelectionError.self) { try QueueSelection(parsing: ["a\u{1}"]) }
        #expect((try? QueueSelection(parsing: ["critical,3", "low"]))?.names == ["critical", "low"])
    }

    @Test("a job payload with a blank class, an unservable queue or a bad retry is refused", arguments: [
        (#"{"class":" ","args":[],"jid":"j"}"#, "class"),
        (#"{"class":"A","args":[],"jid":"j","queue":"a,3"}"#, "comma"),
        (#"{"class":"A","args":[],"jid":"j","queue":"  "}"#, "only whitespace"),
        (#"{"class":"A","args":[],"jid":"j","retry":"yes"}"#, "not the string 'yes'"),
        (#"{"class":"A","args":[],"jid":"j","retry":2.5}"#, "not 2.5"),
        (#"{"class":"A","args":[],"jid":"j","retry":1e400}"#, "fits in 64 bits"),
        (#"{"class":"A","args":[],"jid":"j","retry":[]}"#, "not an array"),
    ])
    func badJobs(payload: String, expected: String) {
        do {
            _ = try Job(json: Array(payload.utf8))
            Issue.record("\(payload) was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("Sidekiq's retry forms are accepted: true, false, integers, absent and null", arguments: [
        #""retry":true,"#, #""retry":false,"#, #""retry":5,"#, #""retry":-1,"#, #""retry":0,"#, "", #""retry":null,"#,
    ])
    func goodRetry(field: String) throws {
        _ = try Job(json: Array(#"{\#(field)"class":"A","args":[],"jid":"j"}"#.utf8))
    }

    @Test("args may nest 511 deep: whatever a producer accepts, a worker parses")
    func argumentsDepth() throws {
        func nested(_ depth: Int) -> JSONValue { (1..<depth).reduce(JSONValue.array([])) { inner, _ in .array([inner]) } }
        #expect(nested(511).nestingDepth == 511)
        var job = Job(className: "A", jid: "j")
        job.args = [nested(510)]
        try job.validate()
        _ = try Job(json: job.serialized())
        job.args = [nested(511)]
        #expect(throws: JobDecodingError.self) { try job.validate() }
        #expect(throws: JobDecodingError.self) { try Job(json: job.serialized()) }
    }

    @Test("the Producer refuses a job a worker could not read, and a non-finite time")
    func producerValidates() async throws {
        let backend = InMemoryBackend()
        let producer = Producer(backend: backend)
        await #expect(throws: JobDecodingError.self) { try await producer.push(Job(className: " ")) }
        await #expect(throws: JobDecodingError.self) { try await producer.push(Job(className: "A", queue: "a,3")) }
        await #expect(throws: ScheduleTimeError.self) { try await producer.push(Job(className: "A"), at: Date(timeIntervalSince1970: .infinity)) }
        await #expect(throws: ScheduleTimeError.self) { try await producer.push(Job(className: "A"), at: Date(timeIntervalSince1970: .nan)) }
        #expect(backend.statisticsSnapshot.enqueued == 0)
    }

    @Test("log text escapes control characters so job data cannot forge a line")
    func logText() {
        #expect(LogText.escaped("plain text") == "plain text")
        #expect(LogText.escaped("boom\n2026-01-01 critical: forged") == "boom\\n2026-01-01 critical: forged")
        #expect(LogText.escaped("a\r\tb\u{1B}[31m\u{85}\u{2028}") == "a\\r\\tb\\u{1B}[31m\\u{85}\\u{2028}")
        #expect(LogText.escaped(bytes: [0x61, 0x0A, 0xFF]) == "a\\n\u{FFFD}")
        #expect(LogText.quoted("a\nb") == "'a\\nb'")
    }

    @Test("error_message is cut at 10,000 code points, so one grapheme cluster cannot carry megabytes")
    func messageCutByCodePoints() {
        let cluster = "e" + String(repeating: "\u{301}", count: 2_000_000)
        #expect(cluster.count == 1)
        let stored = FailureRouting.storedMessage(cluster)
        #expect(stored.unicodeScalars.count == 10_000)
        #expect(FailureRouting.storedMessage("short") == "short")
        #expect(FailureRouting.storedMessage(String(repeating: "é", count: 10_001)).unicodeScalars.count == 10_000)
    }
}
