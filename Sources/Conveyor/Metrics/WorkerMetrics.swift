import ConveyorSupport
import CoreMetrics

/// A worker's metrics (see ``MetricsReporting``): the per-run handles by queue and class, made on first
/// use and then reused, the recovery counters and the gauges the sampler sets.
final class WorkerMetrics: Sendable {
    private struct Key: Hashable {
        let queue: String
        let className: String
    }

    let factory: any MetricsFactory
    let gaugeSeconds: Double
    private let runs = Locked<[Key: JobMetrics]>([:])
    private let queueGauges = Locked<[String: (size: Gauge, latency: Gauge)]>([:])
    let requeued: Counter
    let buried: Counter
    let busy: Gauge
    let scheduledSize: Gauge
    let retrySize: Gauge
    let deadSize: Gauge

    /// The shortest gauge interval: a shorter one (or 0) would ask the backend without pause.
    static let minimumGaugeSeconds = 0.01

    init(_ reporting: MetricsReporting) {
        let factory = reporting.factory ?? MetricsSystem.factory
        self.factory = factory
        gaugeSeconds = min(max(Self.minimumGaugeSeconds, reporting.gaugeInterval.inSeconds), WorkerConfiguration.maximumIntervalSeconds)
        requeued = Counter(label: MetricName.recovered, dimensions: [(MetricName.outcomeLabel, MetricName.requeuedOutcome)], factory: factory)
        buried = Counter(label: MetricName.recovered, dimensions: [(MetricName.outcomeLabel, MetricName.buriedOutcome)], factory: factory)
        busy = Gauge(label: MetricName.busy, factory: factory)
        scheduledSize = Gauge(label: MetricName.scheduledSize, factory: factory)
        retrySize = Gauge(label: MetricName.retrySize, factory: factory)
        deadSize = Gauge(label: MetricName.deadSize, factory: factory)
    }

    /// The handles of a queue and class. `className` is nil for a job whose class has no handler, or
    /// that is no job at all: those share ``MetricName/unknownClass``, so label values stay bounded by
    /// the served queues times the registered classes whatever the payloads say.
    func handles(queue: String, className: String?) -> JobMetrics {
        let key = Key(queue: queue, className: className ?? MetricName.unknownClass)
        // A lock of its own, taken once per run by the loop thread alone: it never waits, and the
        // handles are made outside it, at most once per key in practice.
        if let metrics = runs.withLock({ $0[key] }) { return metrics }
        let made = JobMetrics(queue: key.queue, className: key.className, factory: factory)
        return runs.withLock { runs in
            if let existing = runs[key] { return existing }
            runs[key] = made
            return made
        }
    }

    /// Counts what one recovery pass did.
    func record(_ recovery: RecoveryResult) {
        if recovery.requeued > 0 { requeued.increment(by: Int64(recovery.requeued)) }
        if recovery.buried > 0 { buried.increment(by: Int64(recovery.buried)) }
    }

    /// Sets each queue's size and latency gauges. A queue no longer listed drops to 0 rather than
    /// keeping the last size it had.
    func record(_ queues: [QueueSummary]) {
        // Only the sampler calls this, one reading at a time: the lock never waits, so the gauges are
        // made under it.
        let gauges = queueGauges.withLock { known in
            for queue in queues where known[queue.name] == nil {
                let labels = [(MetricName.queueLabel, queue.name)]
                known[queue.name] = (
                    size: Gauge(label: MetricName.queueSize, dimensions: labels, factory: factory),
                    latency: Gauge(label: MetricName.queueLatency, dimensions: labels, factory: factory)
                )
            }
            return known
        }
        let listed = Dictionary(queues.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, pair) in gauges {
            pair.size.record(listed[name]?.size ?? 0)
            pair.latency.record(listed[name]?.latency.inSeconds ?? 0)
        }
    }
}
