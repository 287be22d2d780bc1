/// Pushes jobs onto queues, from Swift code.
///
/// ```swift
/// let producer = Producer(backend: RedisBackend(client: client))
/// let jid = try await producer.push(SendWelcomeEmail(userID: 42))
/// try await producer.push(className: "HardJob", args: [1, "x"])      // a job for a Ruby worker
/// ```
public struct Producer: Sendable {
    /// Where jobs go.
    public let backend: any JobBackend

    /// Creates a producer on a backend.
    public init(backend: any JobBackend) {
        self.backend = backend
    }

    /// Pushes a typed job and returns its jid.
    @discardableResult
    public func push<Parameters: JobParameters>(_ parameters: Parameters, queue: String? = nil) async throws -> String {
        let job = Job(
            className: Parameters.jobName,
            args: try parameters.encodedArguments(),
            queue: queue ?? Parameters.queue,
            retry: Parameters.retry
        )
        try await push(job)
        return job.jid
    }

    /// Pushes an untyped job, for example one a Ruby Sidekiq worker runs, and returns its jid.
    @discardableResult
    public func push(className: String, args: [JSONValue] = [], queue: String = Job.defaultQueue, retry: RetryPolicy = .default) async throws -> String {
        let job = Job(className: className, args: args, queue: queue, retry: retry)
        try await push(job)
        return job.jid
    }

    /// Pushes one prepared job, stamping `enqueued_at`.
    public func push(_ job: Job) async throws {
        try await pushBulk([job])
    }

    /// Pushes many jobs in as few round trips as the backend allows, stamping `enqueued_at` on each.
    public func pushBulk(_ jobs: [Job]) async throws {
        let now = Clock.now()
        let encoded = jobs.map { job -> EncodedJob in
            var stamped = job
            stamped.enqueuedAt = now
            return EncodedJob(stamped)
        }
        try await backend.push(encoded)
    }
}
