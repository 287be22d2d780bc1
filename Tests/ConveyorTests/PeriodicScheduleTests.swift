@testable import Conveyor
@testable import ConveyorWorkerMain
import ConveyorSupport
import Foundation
import Logging
import Testing

/// Cron expressions, interval slots and the schedule file, without a server.
@Suite("Periodic schedules: cron, every, time zones with DST, the schedule file")
struct PeriodicScheduleTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    func date(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    func ticks(_ expression: String, after start: String, count: Int, in zone: TimeZone) throws -> [Date] {
        let cron = try CronExpression(expression)
        var result: [Date] = []
        var cursor = date(start)
        for _ in 0..<count {
            guard let next = cron.nextTick(after: cursor, in: zone) else { break }
            result.append(next)
            cursor = next
        }
        return result
    }

    @Test("5 and 6 fields, lists, ranges, steps, names and @hourly")
    func fields() throws {
        let utc = TimeZone(identifier: "UTC")!
        #expect(try ticks("*/15 9-10 * * MON-FRI", after: "2026-12-04T10:40:00Z", count: 3, in: utc)
            == [date("2026-12-04T10:45:00Z"), date("2026-12-07T09:00:00Z"), date("2026-12-07T09:15:00Z")])
        #expect(try ticks("*/20 * * * * *", after: "2026-12-01T00:00:05Z", count: 2, in: utc) == [date("2026-12-01T00:00:20Z"), date("2026-12-01T00:00:40Z")])
        #expect(try ticks("@hourly", after: "2026-12-01T05:00:00Z", count: 1, in: utc) == [date("2026-12-01T06:00:00Z")])
        #expect(try ticks("0 0 1 JAN *", after: "2026-06-01T00:00:00Z", count: 1, in: utc) == [date("2027-01-01T00:00:00Z")])
        // Both day fields restricted: either matches (Vixie cron). 2026-12-13 is a Sunday.
        #expect(try ticks("0 12 15 * SUN", after: "2026-12-10T00:00:00Z", count: 2, in: utc) == [date("2026-12-13T12:00:00Z"), date("2026-12-15T12:00:00Z")])
        #expect(try ticks("0 0 30 2 *", after: "2026-01-01T00:00:00Z", count: 1, in: utc).isEmpty, "30 February never comes")
    }

    @Test("invalid expressions are refused with the field and the reason")
    func invalid() {
        let cases: [(String, String)] = [
            ("* * * *", "it has 4 fields"), ("61 * * * *", "minute field '61'"), ("* 24 * * *", "hour field '24'"),
            ("*/0 * * * *", "step '0'"), ("5-1 * * * *", "runs backwards"), ("@sometimes", "unknown name @sometimes"),
            ("* * * FOO *", "month field 'FOO'"),
        ]
        for (expression, reason) in cases {
            #expect(throws: CronExpressionError.self, "\(expression)") { try CronExpression(expression) }
            do {
                _ = try CronExpression(expression)
            } catch {
                #expect(error.description.contains(reason), "\(expression): \(error)")
            }
        }
    }

    @Test("spring forward in Europe/Berlin: a 02:30 job runs once that day, when the clock jumps")
    func springForward() throws {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
        let runs = try ticks("30 2 * * *", after: "2026-03-27T12:00:00Z", count: 4, in: berlin)
        #expect(runs.count == 4)
        #expect(runs[0] == date("2026-03-28T01:30:00Z"), "the day before: 02:30 CET")
        #expect(runs[1] == date("2026-03-29T01:30:00Z") || runs[1] == date("2026-03-29T00:30:00Z"), "the spring-forward day: once, at the jump (\(runs[1]))")
        #expect(runs[2] == date("2026-03-30T00:30:00Z"), "the day after: 02:30 CEST")
        #expect(Set(runs).count == 4 && runs == runs.sorted())
        let onTheDay = runs.filter { $0 >= date("2026-03-28T23:00:00Z") && $0 < date("2026-03-29T22:00:00Z") }
        #expect(onTheDay.count == 1, "\(onTheDay)")
    }

    @Test("fall back in Europe/Berlin: a 02:30 job runs once although 02:30 occurs twice")
    func fallBack() throws {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
        let runs = try ticks("30 2 * * *", after: "2026-10-24T12:00:00Z", count: 3, in: berlin)
        #expect(runs[0] == date("2026-10-25T00:30:00Z"), "the first 02:30 (\(runs[0]))")
        #expect(runs[1] == date("2026-10-26T01:30:00Z"), "the next day's 02:30 CET, not the repeated hour (\(runs[1]))")
        let hourly = try ticks("0 * * * *", after: "2026-10-24T22:30:00Z", count: 5, in: berlin)
        #expect(Set(hourly).count == hourly.count && hourly == hourly.sorted(), "hourly ticks repeat or go backwards: \(hourly)")
    }

    @Test("every: fixed slots from the epoch, not from boot")
    func everySlots() {
        let entry = PeriodicJob(name: "ping", every: .seconds(30), className: "Ping")
        #expect(entry.nextTick(after: date("2026-12-01T10:00:10Z")) == date("2026-12-01T10:00:30Z"))
        #expect(entry.nextTick(after: date("2026-12-01T10:00:30Z")) == date("2026-12-01T10:01:00Z"))
    }

    @Test("the schedule file: sidekiq-cron's shape plus every; a bad entry names its line and why")
    func scheduleFile() throws {
        let good = """
        nightly_report: { cron: "0 3 * * *", class: Report, args: [1, "x"], queue: default, timezone: Europe/Berlin }
        heartbeat:      { every: 30s, class: Ping, catch_up: true, description: liveness }
        """
        let jobs = try ScheduleFile.parse(good, path: "schedule.yml")
        #expect(jobs.map(\.name).sorted() == ["heartbeat", "nightly_report"])
        let report = try #require(jobs.first { $0.name == "nightly_report" })
        #expect(report.args == [1, "x"] && report.rule == .cron(try CronExpression("0 3 * * *"), berlin) && !report.catchUp)
        let ping = try #require(jobs.first { $0.name == "heartbeat" })
        #expect(ping.rule == .every(.seconds(30)) && ping.catchUp && ping.description == "liveness")
        let bad: [(String, String)] = [
            ("a: { cron: \"0 3 * * *\", class: A }\nb: { cron: \"0 25 * * *\", class: B }", "line 2: entry 'b': Invalid cron expression '0 25 * * *': hour field '25'"),
            ("a: { every: 0s, class: A }", "line 1: entry 'a': 'every' must be a duration of at least 1 second"),
            ("a: { class: A }", "give 'cron'"),
            ("\n\na: { cron: \"@daily\", class: A, timezone: Mars/Olympus }", "line 3: entry 'a': unknown time zone 'Mars/Olympus'"),
            ("a: { cron: \"@daily\", klass: A }", "unknown setting 'klass'"),
            ("a: { cron: \"@daily\" }", "'class' is missing"),
        ]
        for (text, reason) in bad {
            do {
                _ = try ScheduleFile.parse(text, path: "schedule.yml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(reason), "\(error)")
            }
        }
    }
}

/// catch_up: what a worker does with a tick that every worker missed.
@Suite("Periodic jobs: a tick missed by every worker is run once or skipped, as catch_up says")
struct PeriodicCatchUpTests {
    /// The backend after a run at `lastRun`, and a worker running `entry` on it, with its log lines.
    func run(catchUp: Bool) async throws -> (backend: InMemoryBackend, lastRun: Date, lines: Locked<[(level: Logger.Level, message: String)]>, worker: Worker, task: Task<Void, any Error>) {
        let backend = InMemoryBackend()
        let entry = PeriodicJob(name: "report", every: .seconds(60), className: "Report", queue: "reports", catchUp: catchUp)
        // The last run was 5 minutes ago: every worker was down for the 4 ticks since.
        let lastRun = Date(timeIntervalSince1970: ((WallClock.now() / 60).rounded(.down) - 5) * 60)
        _ = try await backend.claimPeriodicTick(name: "report", tick: lastRun, job: EncodedJob(entry.job(for: lastRun)), claimLifetime: .seconds(600))
        var configuration = try WorkerConfiguration(heartbeatInterval: .seconds(1))
        configuration.periodicJobs = [entry]
        let lines = Locked<[(level: Logger.Level, message: String)]>([])
        let worker = Worker(backend: backend, registry: JobRegistry(), configuration: configuration, logger: Logger(label: "test") { _ in CapturingHandler(lines: lines) })
        let task = Task { try await worker.run() }
        return (backend, lastRun, lines, worker, task)
    }

    @Test("catch_up: true pushes the first missed tick once")
    func catchUp() async throws {
        let (backend, lastRun, _, worker, task) = try await run(catchUp: true)
        let deadline = MonotonicClock.now() + 10
        while Self.ticksBeforeThisMinute(backend, lastRun: lastRun).count < 2 && MonotonicClock.now() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        worker.stop()
        try await task.value
        let ticks = Self.ticksBeforeThisMinute(backend, lastRun: lastRun)
        #expect(ticks == [Int(lastRun.timeIntervalSince1970), Int(lastRun.timeIntervalSince1970) + 60], "\(ticks)")
    }

    @Test("catch_up: false skips the missed tick and says so")
    func skip() async throws {
        let (backend, lastRun, lines, worker, task) = try await run(catchUp: false)
        let deadline = MonotonicClock.now() + 10
        while !lines.withLock({ $0.contains { $0.message.contains("Skipping a periodic job's missed tick") } }) && MonotonicClock.now() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        worker.stop()
        try await task.value
        #expect(lines.withLock { $0.contains { $0.message.contains("Skipping a periodic job's missed tick") } })
        let ticks = Self.ticksBeforeThisMinute(backend, lastRun: lastRun)
        #expect(ticks == [Int(lastRun.timeIntervalSince1970)], "only the run before the outage is queued: \(ticks)")
    }

    /// The queued ticks from before the minute the test started in. A test started in the first
    /// seconds of a minute also sees that minute's own tick pushed on time (within the grace); it
    /// is not a missed tick, so the checks leave it out.
    static func ticksBeforeThisMinute(_ backend: InMemoryBackend, lastRun: Date) -> [Int] {
        let thisMinute = Int(lastRun.timeIntervalSince1970) + 300
        return backend.jobs(inQueue: "reports").compactMap { $0.fields["periodic_tick"]?.intValue }.filter { $0 < thisMinute }
    }
}
