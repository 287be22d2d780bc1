/// Decides where a failed job goes, by Sidekiq's rules (`job_retry.rb`): the retry set with the
/// failure recorded in the job, the dead set once retries are exhausted, or nowhere for `retry: false`.
struct FailureRouting {
    /// Where the failed job goes.
    enum Destination: Equatable {
        case set(JobSet, payload: [UInt8], score: Double)
        /// `retry: false` (or `dead: false` when exhausted): the job is dropped, as Sidekiq does.
        case discard
    }

    /// Longest `error_message` kept, in Unicode code points as Sidekiq's `message[0, 10_000]` counts.
    static let maximumMessageLength = 10_000

    /// Longest delay before a retry: 100 years. Sidekiq's formula and a job's own delay are unbounded,
    /// but a score this far out already means "never" and still prints as a date.
    static let maximumDelay = 100 * 365.25 * 86_400

    /// An error message as stored in a job: cut to ``maximumMessageLength`` code points. Counting
    /// `Character`s would let one grapheme cluster of combining marks carry megabytes.
    static func storedMessage(_ message: String) -> String {
        let scalars = message.unicodeScalars
        guard scalars.count > maximumMessageLength else { return message }
        return String(String.UnicodeScalarView(scalars.prefix(maximumMessageLength)))
    }

    /// `customDelay` is the job class's own delay for a retry count (``JobOptions/retryDelay``); when
    /// absent or answering `nil`, Sidekiq's formula applies.
    static func destination(
        for original: Job, errorClass: String, message: String, now: Double,
        jitter: Int = Int.random(in: 0..<10), customDelay: (@Sendable (Int) -> Double?)? = nil
    ) -> Destination {
        var job = original
        if job.retry == .never { return .discard }
        // Sidekiq's `retry_queue` option: the failed job moves to that queue, so its retries run there.
        if case .string(let retryQueue)? = job.fields[JobField.retryQueue], !retryQueue.isEmpty {
            job.queue = retryQueue
        }
        job.fields[JobField.errorMessage] = .string(storedMessage(message))
        job.fields[JobField.errorClass] = .string(errorClass)
        // The run ended with an error, not with its worker's death: the job is no longer a poison-pill
        // suspect, and runs beside others again (see `RecoveryDecision`).
        job.fields[RecoveryDecision.countField] = nil
        let count: Int
        if let previous = job.retryCount {
            // Saturates: a payload may carry any retry_count, up to Int.max.
            count = previous == .max ? previous : previous + 1
            job.fields[JobField.retriedAt] = .number(JSONNumber(now))
        } else {
            count = 0
            job.fields[JobField.failedAt] = .number(JSONNumber(now))
        }
        job.retryCount = count
        if count < job.retry.maximumRetries {
            let seconds = customDelay?(count) ?? delay(forRetryCount: count, jitter: jitter)
            return .set(.retry, payload: job.serialized(), score: now + clamped(seconds))
        }
        if job.fields[JobField.dead] == .bool(false) { return .discard }
        return .set(.dead, payload: job.serialized(), score: now)
    }

    /// Sidekiq's delay: `count**4 + 15 + rand(10) * (count + 1)` seconds, in `Double` because a
    /// payload's `retry_count` can be large enough that `count**4` overflows `Int` (60,000 does).
    static func delay(forRetryCount count: Int, jitter: Int) -> Double {
        let count = Double(count)
        return count * count * count * count + 15 + Double(jitter) * (count + 1)
    }

    /// A delay within 0 … ``maximumDelay``; NaN (from a job's own delay) means no delay.
    static func clamped(_ seconds: Double) -> Double {
        seconds.isNaN ? 0 : min(max(0, seconds), maximumDelay)
    }
}
