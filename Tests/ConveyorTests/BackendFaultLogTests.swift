@testable import Conveyor
import ConveyorSupport
import Logging
import Testing

/// How loudly the worker says backend failures: a transient outage once, a lasting or fatal refusal
/// again and again while it lasts, never in silence.
@Suite("Backend fault log")
struct BackendFaultLogTests {
    struct Refusal: BackendFailureClassifying, CustomStringConvertible {
        let backendFailureKind: BackendFailureKind
        var description: String { "refused (\(backendFailureKind))" }
    }

    @Test("a transient outage is said once as a warning, and its end once")
    func transientOnce() {
        let (log, lines) = Self.log(repeatInterval: 0)
        for _ in 0..<5 { log.failed(Refusal(backendFailureKind: .transient), then: "retrying") }
        log.succeeded()
        #expect(lines.withLock { $0 }.map(\.level) == [.warning, .notice])
    }

    @Test("a lasting refusal (OOM) is an error every repeat interval while it lasts, with the count between")
    func lastingRepeats() {
        let (log, lines) = Self.log(repeatInterval: 0)
        for _ in 0..<3 { #expect(log.failed(Refusal(backendFailureKind: .lasting), then: "retrying") == .lasting) }
        #expect(lines.withLock { $0 }.map(\.level) == [.error, .error, .error])
        let (quiet, quietLines) = Self.log(repeatInterval: 3600)
        for _ in 0..<3 { quiet.failed(Refusal(backendFailureKind: .lasting), then: "retrying") }
        #expect(quietLines.withLock { $0 }.count == 1, "within the repeat interval a lasting failure is said once")
    }

    @Test("a fatal refusal is an error naming the cause and reported as fatal")
    func fatalIsError() {
        let (log, lines) = Self.log(repeatInterval: 10)
        #expect(log.failed(Refusal(backendFailureKind: .fatal), then: "stopping") == .fatal)
        let line = lines.withLock { $0 }.first
        #expect(line?.level == .error && line?.message.contains("retrying cannot fix") == true)
    }

    static func log(repeatInterval: Double) -> (BackendFaultLog, Locked<[(level: Logger.Level, message: String)]>) {
        let lines = Locked<[(level: Logger.Level, message: String)]>([])
        let logger = Logger(label: "test") { _ in CapturingHandler(lines: lines) }
        return (BackendFaultLog(activity: "Fetching jobs", logger: logger, repeatInterval: repeatInterval), lines)
    }
}

