/// Decides where a failed job goes, by Sidekiq's rules (`job_retry.rb`): the retry set with the
/// failure recorded in the job, the dead set once retries are exhausted, or nowhere for `retry: false`.
struct FailureRouting {
    /// Where the failed job goes.
    enum Destination: Equatable {
        case set(JobSet, payload: [UInt8], score: Double)
        /// `retry: false` (or `dead: false` when exhausted): the job is dropped, as Sidekiq does.
        case discard
    }

    /// Longest `error_message` kept, as Sidekiq.
    static let maximumMessageLength = 10_000

    /// `customDelay` is the job class's own delay for a retry count (``JobOptions/retryDelay``); when
    /// absent or answering `nil`, Sidekiq's formula applies.
    static func destination(
        for original: Job, errorClass: String, message: String, now: Double,
        jitter: Int = Int.random(in: 0..<10), customDelay: (@Sendable (Int) -> Double?)? = nil
    ) -> Destination {
        var job = original
        if job.retry == .never { return .discard }
        // Sidekiq's `retry_queue` option: the failed job moves to that queue, so its retries run there.
        if case .string(let retryQueue)? = job.fields["retry_queue"], !retryQueue.isEmpty {
            job.queue = retryQueue
        }
        job.fields["error_message"] = .string(String(message.prefix(maximumMessageLength)))
        job.fields["error_class"] = .string(errorClass)
        let count: Int
        if let previous = job.retryCount {
            count = previous + 1
            job.fields["retried_at"] = .number(JSONNumber(now))
        } else {
            count = 0
            job.fields["failed_at"] = .number(JSONNumber(now))
        }
        job.retryCount = count
        if count < job.retry.maximumRetries {
            let seconds = customDelay?(count).map { max(0, $0) } ?? delay(forRetryCount: count, jitter: jitter)
            return .set(.retry, payload: job.serialized(), score: now + seconds)
        }
        if job.fields["dead"] == .bool(false) { return .discard }
        return .set(.dead, payload: job.serialized(), score: now)
    }

    /// Sidekiq's delay: `count**4 + 15 + rand(10) * (count + 1)` seconds.
    static func delay(forRetryCount count: Int, jitter: Int) -> Double {
        Double(count * count * count * count + 15 + jitter * (count + 1))
    }
}
