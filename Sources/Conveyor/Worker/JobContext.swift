import Logging

/// What a handler knows about the job it runs.
public struct JobContext: Sendable {
    /// The job as fetched, all fields included.
    public let job: Job
    /// The identity of the worker process running the job.
    public let workerIdentity: String
    private let baseLogger: Logger

    /// A logger that tags every line with the job's jid, class and queue, so that a log collector can
    /// gather one job's lines (the worker's own lines about the job use it too). The values are
    /// escaped with ``LogText``: they come from whoever pushed the job.
    ///
    /// Built on access: attaching metadata costs more than running a small job, and most handlers
    /// never log.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "jid"] = .string(LogText.escaped(job.jid))
        logger[metadataKey: "class"] = .string(LogText.escaped(job.className))
        logger[metadataKey: "queue"] = .string(LogText.escaped(job.queue))
        return logger
    }

    /// The job ID.
    public var jid: String { job.jid }
    /// The queue the job came from.
    public var queue: String { job.queue }
    /// How many times the job failed before this run (0 on the first run).
    public var previousFailures: Int { job.retryCount.map { $0 == .max ? $0 : max(0, $0 + 1) } ?? 0 }

    /// Creates a context; the worker does this for each run. `logger` gets the job's metadata on use.
    public init(job: Job, logger: Logger, workerIdentity: String) {
        self.job = job
        self.baseLogger = logger
        self.workerIdentity = workerIdentity
    }
}
