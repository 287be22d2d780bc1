import CoreMetrics

/// Turns on a worker's metrics, reported through swift-metrics to whatever backend the app chose
/// (Prometheus, StatsD, OpenTelemetry, …): counters and durations of runs by queue and class, retries,
/// deaths and recoveries, and gauges of queue sizes and latency, set sizes and the jobs running. The
/// names are in ``MetricName``.
///
/// ```swift
/// MetricsSystem.bootstrap(myMetricsFactory)   // once, at startup
/// let configuration = try WorkerConfiguration(metrics: .enabled)
/// ```
///
/// With metrics off (``WorkerConfiguration/metrics`` nil, the default) a run costs nothing extra: no
/// metric is created and no clock is read.
///
/// A setting rather than a ``JobMiddleware``: the worker counts around the whole middleware chain (its
/// time and its errors included) and also what no middleware sees: jobs that fail before the chain (a
/// class with no handler, a payload that is not a job), where each failed job went (retry or dead set),
/// and the queue a job was fetched from, which keeps label values bounded whatever payloads say. A
/// middleware could also be registered twice, or after one that swallows errors, and count wrong.
public struct MetricsReporting: Sendable {
    /// Where the metrics go; nil for `MetricsSystem.factory` as it is when the worker is created (the
    /// bootstrapped factory, or one bound with `withMetricsFactory`).
    public var factory: (any MetricsFactory)?
    /// How often the gauges are read from the backend. Default 5 s, as the heartbeat: each reading asks
    /// the backend four questions. Shorter than 10 ms counts as 10 ms.
    public var gaugeInterval: Duration

    /// Reports to `factory` (nil: `MetricsSystem.factory`), reading the gauges every `gaugeInterval`.
    public init(factory: (any MetricsFactory)? = nil, gaugeInterval: Duration = .seconds(5)) {
        self.factory = factory
        self.gaugeInterval = gaugeInterval
    }

    /// Metrics to `MetricsSystem.factory`, gauges read every 5 s.
    public static var enabled: MetricsReporting { MetricsReporting() }
}
