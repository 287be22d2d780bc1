import Conveyor
import CoreMetrics
import Prometheus

/// A Prometheus registry and the swift-metrics factory that fills it, with histogram buckets fit for
/// jobs: what `conveyor-worker --metrics-port` bootstraps, and what an app serving its own `/metrics`
/// can use the same way.
///
/// ```swift
/// let prometheus = PrometheusMetrics()
/// MetricsSystem.bootstrap(prometheus.factory)
/// let server = try MetricsServer(address: BindAddress(host: "127.0.0.1", port: 9394), registry: prometheus.registry)
/// server.start()
/// let worker = Worker(backend: backend, registry: jobs, configuration: try WorkerConfiguration(metrics: .enabled))
/// ```
public struct PrometheusMetrics: Sendable {
    /// The metrics, rendered in Prometheus's text format by `registry.emit(into:)`.
    public let registry: PrometheusCollectorRegistry
    /// The factory to bootstrap `MetricsSystem` with, or to give ``MetricsReporting``.
    public let factory: PrometheusMetricsFactory

    /// The buckets of ``MetricName/duration``, in seconds: from 1 ms, for jobs that only write a row,
    /// to 10 minutes, for reports and exports, about 2.5 times apart. swift-prometheus's default
    /// buckets stop at 10 s and start at 5 ms, which would put every slow job in `+Inf` and every fast
    /// one in the first bucket.
    public static let jobDurationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        .seconds(300), .seconds(600),
    ]

    /// A new registry (by default; pass one to share it) and a factory whose job-duration timer uses
    /// ``jobDurationBuckets``. Other timers keep swift-prometheus's defaults.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[MetricName.duration] = Self.jobDurationBuckets
        self.factory = factory
    }
}
