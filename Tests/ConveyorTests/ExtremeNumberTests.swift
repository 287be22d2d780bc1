@testable import Conveyor
@testable import ConveyorWorkerCLI
import RedisClient
import Testing

/// Numbers from a payload can be anything JSON spells: ±1e400, ±2^63, -0, huge integers. None may
/// trap a worker; each job ends somewhere a person can see why.
@Suite("Extreme numbers in payloads")
struct ExtremeNumberTests {
    /// One payload, and where its job must end.
    struct Case: CustomStringConvertible {
        enum End: Equatable { case processed, retry, dead }
        let payload: String
        let end: End
        /// Text the stored `error_message` must contain (failed jobs only).
        var message = ""
        var description: String { payload }
    }

    static let cases: [Case] = [
        Case(payload: #"{"class":"Sleep","args":[1e400]}"#, end: .retry, message: "0 to 86400000 milliseconds"),
        Case(payload: #"{"class":"Sleep","args":[-1e400]}"#, end: .retry, message: "0 to 86400000 milliseconds"),
        Case(payload: #"{"class":"Sleep","args":[1e30]}"#, end: .retry, message: "0 to 86400000 milliseconds"),
        Case(payload: #"{"class":"Sleep","args":[9223372036854775808]}"#, end: .retry, message: "0 to 86400000 milliseconds"),
        Case(payload: #"{"class":"Sleep","args":[-9223372036854775809]}"#, end: .retry, message: "0 to 86400000 milliseconds"),
        Case(payload: #"{"class":"Sleep","args":[-0]}"#, end: .processed),
        Case(payload: #"{"class":"Sleep","args":[-0.0]}"#, end: .processed),
        Case(payload: #"{"class":"Record","args":["k",1e400]}"#, end: .retry, message: "args[1] must be milliseconds"),
        Case(payload: #"{"class":"Record","args":["k",-1e400]}"#, end: .retry, message: "args[1] must be milliseconds"),
        Case(payload: #"{"class":"Latency","args":["k"],"enqueued_at":1e400}"#, end: .retry, message: "not a time within 30 years"),
        Case(payload: #"{"class":"Latency","args":["k"],"enqueued_at":-1e23}"#, end: .retry, message: "not a time within 30 years"),
        Case(payload: #"{"class":"Latency","args":["k"],"enqueued_at":-1e400}"#, end: .retry, message: "not a time within 30 years"),
        Case(payload: #"{"class":"Latency","args":["k"],"enqueued_at":99999999999999999999999999}"#, end: .retry, message: "not a time within 30 years"),
        Case(payload: #"{"class":"Noop","args":[1e400,-1e400,-0,9223372036854775808,-9223372036854775809]}"#, end: .processed),
        Case(payload: #"{"class":"Echo","args":[1e400,-0,18446744073709551616]}"#, end: .processed),
        // The failure path: retry_count and retry at the edges of Int.
        Case(payload: #"{"class":"Fail","args":["boom"],"retry_count":9223372036854775807}"#, end: .dead, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom"],"retry_count":-9223372036854775808}"#, end: .retry, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom"],"retry":1000000,"retry_count":60000}"#, end: .retry, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom"],"retry":9223372036854775807,"retry_count":9223372036854775806}"#, end: .dead, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom"],"retry":9223372036854775807,"retry_count":9223372036854775805}"#, end: .retry, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom"],"retry_count":1e400}"#, end: .retry, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom"],"retry":-9223372036854775808}"#, end: .dead, message: "boom"),
        Case(payload: #"{"class":"Fail","args":["boom",1e400]}"#, end: .retry, message: "runs-hash-key"),
        // Numbers where a job needs none: refused at parse time and buried with the reason.
        Case(payload: #"{"class":"Noop","args":[],"retry":1e400}"#, end: .dead, message: "whole number of retries"),
    ]

    @Test("every built-in job and the failure path survive extreme numbers and end where expected", arguments: cases)
    func survives(_ example: Case) async throws {
        let backend = InMemoryBackend()
        var payload = Array(example.payload.utf8)
        payload.removeLast()
        payload += Array(#","jid":"0123456789abcdef01234567"}"#.utf8)
        try await backend.push([EncodedJob(queue: "default", payload: payload)])
        // Never contacted: every case fails or finishes before a built-in job talks to Redis.
        let client = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 1)))
        let worker = Worker(backend: backend, registry: BuiltInJobs.registry(client: client))
        let before = WallClock.now()
        try await worker.runUntilIdle()
        await client.close()

        let statistics = backend.statisticsSnapshot
        let retries = backend.jobs(in: .retry)
        let dead = backend.payloads(in: .dead)
        switch example.end {
        case .processed:
            #expect(statistics.processed == 1 && statistics.failed == 0)
            #expect(retries.isEmpty && dead.isEmpty)
        case .retry:
            #expect(statistics.failed == 1 && dead.isEmpty)
            let entry = try #require(retries.first)
            #expect(entry.job.fields["error_message"]?.stringValue?.contains(example.message) == true, "\(entry.job.fields)")
            // A delay that would overflow is capped at 100 years, never in the past.
            #expect(entry.score >= before + 15 && entry.score <= WallClock.now() + 100 * 365.25 * 86_400)
        case .dead:
            #expect(retries.isEmpty)
            let job = try Job(json: try #require(dead.first).replacingRetry())
            #expect(job.fields["error_message"]?.stringValue?.contains(example.message) == true, "\(job.fields)")
        }
    }

    @Test("retry_count Int.max saturates instead of overflowing, and the job is dead with it")
    func retryCountSaturates() throws {
        var job = Job(className: "Fail", jid: "0123456789abcdef01234567")
        job.retryCount = .max
        guard case .set(.dead, let payload, _) = FailureRouting.destination(for: job, errorClass: "E", message: "m", now: 1000) else {
            Issue.record("expected the dead set")
            return
        }
        #expect(try Job(json: payload).retryCount == .max)
        #expect(JobContext(job: job, logger: .init(label: "t"), workerIdentity: "w").previousFailures == .max)
    }

    @Test("Sidekiq's delay stays a finite Double where count**4 overflows Int, and is capped at 100 years")
    func delayOverflow() {
        #expect(FailureRouting.delay(forRetryCount: 60_000, jitter: 0) == 12_960_000_000_000_000_015)
        #expect(FailureRouting.clamped(FailureRouting.delay(forRetryCount: .max, jitter: 9)) == 100 * 365.25 * 86_400)
        #expect(FailureRouting.clamped(.nan) == 0)
        #expect(FailureRouting.clamped(-.infinity) == 0)
    }

    @Test("a job's own retry delay of infinity or NaN schedules within 0 … 100 years")
    func customDelay() {
        let job = Job(className: "Fail", jid: "0123456789abcdef01234567")
        for (delay, expected) in [(Double.infinity, 100 * 365.25 * 86_400), (.nan, 0), (-1e300, 0), (1e300, 100 * 365.25 * 86_400)] {
            guard case .set(.retry, _, let score) = FailureRouting.destination(for: job, errorClass: "E", message: "m", now: 1000, customDelay: { _ in delay }) else {
                Issue.record("expected the retry set for \(delay)")
                continue
            }
            #expect(score == 1000 + expected, "delay \(delay)")
        }
    }

    @Test("seconds that a Duration cannot hold (inf, NaN, beyond a year) are refused before conversion, naming the setting", arguments: [
        ("shutdownTimeout", 1e300), ("heartbeatInterval", .infinity), ("recoveryInterval", .nan), ("scheduledPollInterval", -.infinity),
    ] as [(String, Double)])
    func secondsRefused(setting: String, seconds: Double) throws {
        let named = try #require(WorkerConfigurationError.Setting(rawValue: setting))
        #expect(throws: WorkerConfigurationError.self) {
            try WorkerConfiguration.check(seconds: seconds, for: named, mayBeZero: true)
        }
        #expect(ScheduledPollInterval.random(processCount: .max, average: 1e300, unitRandom: 0.999) < 365 * 86_400)
    }

    @Test("a worker configuration refuses a negative interval, one beyond a year, and a lease not longer than the beat, naming the setting", arguments: [
        ("shutdownTimeout", -1.0, 5.0, 15.0, 30.0), ("heartbeatInterval", 25, 0, 15, 30), ("recoveryInterval", 25, 5, 366 * 86_400, 30),
        ("staleHeartbeatAge", 25, 5, 15, -1), ("staleHeartbeatAge", 25, 5, 15, 4),
    ] as [(String, Double, Double, Double, Double)])
    func configurationRefuses(setting: String, shutdown: Double, heartbeat: Double, recovery: Double, stale: Double) {
        func make() throws(WorkerConfigurationError) -> WorkerConfiguration {
            try WorkerConfiguration(
                shutdownTimeout: .seconds(shutdown), heartbeatInterval: .seconds(heartbeat), recoveryInterval: .seconds(recovery),
                recoveryPolicy: RecoveryPolicy(staleHeartbeatAge: .seconds(stale))
            )
        }
        do {
            _ = try make()
            Issue.record("expected \(setting) to be refused")
        } catch {
            #expect(error.setting.rawValue == setting, "\(error)")
        }
    }

    @Test("a concurrency outside 1 … 10,000 is refused with the reason, not a trap")
    func concurrencyRefused() {
        for concurrency in [0, -1, 10_001, .max] {
            #expect(throws: WorkerConfigurationError(setting: .concurrency, rule: "must be from 1 to 10000, not \(concurrency): every slot holds a job and its memory, and a worker with a million slots used 7 GB. Run more worker processes for more throughput.")) {
                try WorkerConfiguration(concurrency: concurrency)
            }
        }
    }

    @Test("recovery_count Int.max does not overflow: the job is buried as a poison pill")
    func recoveryCountSaturates() {
        let payload = Array(#"{"class":"Noop","args":[],"jid":"j","recovery_count":9223372036854775807}"#.utf8)
        guard case .bury = RecoveryDecision.decide(payload: payload, wasStarted: true, policy: RecoveryPolicy(), now: 1) else {
            Issue.record("expected a poison pill")
            return
        }
    }
}

extension [UInt8] {
    /// A dead payload as a job, whether or not its `retry` field was the reason it died.
    fileprivate func replacingRetry() throws -> [UInt8] {
        guard case .object(var fields) = try JSONValue.parse(self) else { return self }
        fields["retry"] = .bool(true)
        return JSONValue.object(fields).serialized()
    }
}
