import CoreMetrics

/// The metric handles of one (queue, class) pair, made once and kept by ``WorkerMetrics``: creating a
/// swift-metrics object asks the factory (a lock and a registry lookup in most backends), which a run
/// must not pay for; incrementing a handle is an atomic add or a short lock in the backend.
final class JobMetrics: Sendable {
    let processed: Counter
    let failed: Counter
    let retried: Counter
    let dead: Counter
    /// Nil for ``MetricName/unknownClass``, whose jobs never run: a series that could only ever
    /// count 0 would suggest otherwise.
    let duration: Timer?

    init(queue: String, className: String, factory: any MetricsFactory) {
        let labels = [(MetricName.queueLabel, queue), (MetricName.classLabel, className)]
        processed = Counter(label: MetricName.processed, dimensions: labels, factory: factory)
        failed = Counter(label: MetricName.failed, dimensions: labels, factory: factory)
        retried = Counter(label: MetricName.retried, dimensions: labels, factory: factory)
        dead = Counter(label: MetricName.dead, dimensions: labels, factory: factory)
        duration = className == MetricName.unknownClass ? nil : Timer(label: MetricName.duration, dimensions: labels, factory: factory)
    }

    /// Records a run that reached its handler chain and took `seconds`.
    func recordRun(seconds: Double, isFailure: Bool) {
        processed.increment()
        if isFailure { failed.increment() }
        duration?.recordNanoseconds(Int64((max(0, seconds) * 1e9).rounded()))
    }

    /// Records a job that failed before it could run (an unknown class, a payload that is not a job): it
    /// counts as processed and failed, as in Sidekiq, but has no duration.
    func recordFailureBeforeRun() {
        processed.increment()
        failed.increment()
    }
}
