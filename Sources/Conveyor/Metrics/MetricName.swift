/// The name of every metric a worker reports, and of their labels: spelled here and nowhere else, as
/// `RedisKeys` spells every key. The names follow Prometheus's conventions (`_total` for counters,
/// base units in the name), so a Prometheus backend exports them unchanged.
public enum MetricName {
    /// Counter, labels `queue` and `class`: every finished run, whether it succeeded or failed (Sidekiq's
    /// `processed`), including jobs that failed before they could run (an unknown class, a payload that
    /// is not a job).
    public static let processed = "conveyor_jobs_processed_total"
    /// Counter, labels `queue` and `class`: the runs that failed.
    public static let failed = "conveyor_jobs_failed_total"
    /// Counter, labels `queue` and `class`: failed runs whose job went to the retry set.
    public static let retried = "conveyor_jobs_retried_total"
    /// Counter, labels `queue` and `class`: failed runs whose job went to the dead set (retries
    /// exhausted, or a payload that is not a job).
    public static let dead = "conveyor_jobs_dead_total"
    /// Counter, label `outcome` (`requeued` or `buried`): jobs this worker recovered from the private
    /// lists of dead workers, pushed back to their queues or, as poison pills, buried in the dead set.
    public static let recovered = "conveyor_jobs_recovered_total"
    /// Timer (a histogram in Prometheus), labels `queue` and `class`: how long each run of a registered
    /// class took, middleware included.
    public static let duration = "conveyor_job_duration_seconds"
    /// Gauge, label `queue`: the jobs waiting in each known queue.
    public static let queueSize = "conveyor_queue_size"
    /// Gauge, label `queue`: how long each known queue's oldest job has waited, in seconds.
    public static let queueLatency = "conveyor_queue_latency_seconds"
    /// Gauge: the jobs this worker is running.
    public static let busy = "conveyor_jobs_busy"
    /// Gauge: the jobs in the schedule set.
    public static let scheduledSize = "conveyor_scheduled_size"
    /// Gauge: the jobs in the retry set.
    public static let retrySize = "conveyor_retry_size"
    /// Gauge: the jobs in the dead set.
    public static let deadSize = "conveyor_dead_size"

    /// The label naming the queue a job was fetched from.
    public static let queueLabel = "queue"
    /// The label naming the job's class.
    public static let classLabel = "class"
    /// The label of ``recovered`` saying where a recovered job went.
    public static let outcomeLabel = "outcome"

    /// The ``outcomeLabel`` of recovered jobs pushed back to their queues.
    public static let requeuedOutcome = "requeued"
    /// The ``outcomeLabel`` of recovered jobs buried in the dead set as poison pills.
    public static let buriedOutcome = "buried"

    /// The `class` label of a job whose class this worker has no handler for, or whose payload is not a
    /// job. Class names come from job payloads, which anyone who can push writes: a label per unknown
    /// name would let a flood of junk names create series without end, so they all share this one. It
    /// is lower case, which no Ruby (Sidekiq) class name can be.
    public static let unknownClass = "unknown"
}
