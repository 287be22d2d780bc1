@testable import Conveyor
import Testing

@Suite("Failure routing (Sidekiq's retry rules)")
struct FailureRoutingTests {
    let now = 1_700_000_000.0

    @Test("the first failure sets retry_count 0 and failed_at, and schedules a retry 15-24 s later")
    func firstFailure() throws {
        let job = Job(className: "A", jid: "x")
        guard case .set(.retry, let payload, let score) = FailureRouting.destination(for: job, errorClass: "Boom", message: "it broke", now: now, jitter: 3) else {
            Issue.record("expected the retry set")
            return
        }
        let failed = try Job(json: payload)
        #expect(failed.retryCount == 0)
        #expect(failed.fields["failed_at"]?.doubleValue == now)
        #expect(failed.fields["retried_at"] == nil)
        #expect(failed.fields["error_message"] == "it broke")
        #expect(failed.fields["error_class"] == "Boom")
        #expect(score == now + 15 + 3)
    }

    @Test("later failures add one to retry_count and set retried_at; delay is count^4 + 15 + rand(10) * (count + 1)")
    func laterFailure() throws {
        var job = Job(className: "A", jid: "x")
        job.retryCount = 2
        guard case .set(.retry, let payload, let score) = FailureRouting.destination(for: job, errorClass: "E", message: "m", now: now, jitter: 9) else {
            Issue.record("expected the retry set")
            return
        }
        let failed = try Job(json: payload)
        #expect(failed.retryCount == 3)
        #expect(failed.fields["retried_at"]?.doubleValue == now)
        #expect(score == now + Double(81 + 15 + 9 * 4))
    }

    @Test("retry_queue moves the failed job to that queue, as Sidekiq's job_retry does")
    func retryQueue() throws {
        var job = Job(className: "A", queue: "default", jid: "x")
        job.fields["retry_queue"] = "low"
        guard case .set(.retry, let payload, _) = FailureRouting.destination(for: job, errorClass: "E", message: "m", now: now, jitter: 0) else {
            Issue.record("expected the retry set")
            return
        }
        let failed = try Job(json: payload)
        #expect(failed.queue == "low")
        #expect(failed.fields["retry_queue"] == "low")
    }

    @Test("exhausted retries go to the dead set, or nowhere with dead: false")
    func exhausted() {
        var job = Job(className: "A", retry: .limit(2), jid: "x")
        job.retryCount = 1
        guard case .set(.dead, _, let score) = FailureRouting.destination(for: job, errorClass: "E", message: "m", now: now) else {
            Issue.record("expected the dead set")
            return
        }
        #expect(score == now)
        job.fields["dead"] = false
        #expect(FailureRouting.destination(for: job, errorClass: "E", message: "m", now: now) == .discard)
    }

    @Test("retry: false drops the job, retry: 0 sends it to the dead set at once")
    func noRetries() {
        #expect(FailureRouting.destination(for: Job(className: "A", retry: .never), errorClass: "E", message: "m", now: now) == .discard)
        guard case .set(.dead, _, _) = FailureRouting.destination(for: Job(className: "A", retry: .limit(0)), errorClass: "E", message: "m", now: now) else {
            Issue.record("retry: 0 should go to the dead set")
            return
        }
    }

    @Test("long error messages are cut to 10,000 characters")
    func longMessage() throws {
        guard case .set(_, let payload, _) = FailureRouting.destination(for: Job(className: "A"), errorClass: "E", message: String(repeating: "x", count: 20_000), now: now) else {
            Issue.record("expected a set")
            return
        }
        #expect(try Job(json: payload).fields["error_message"]?.stringValue?.count == 10_000)
    }
}
