import ArgumentParser
import Conveyor
import ConveyorPrometheus
import CoreMetrics
import Logging

/// The worker's `--metrics-port` and `--metrics-bind` flags: with a port, the worker reports its
/// metrics and serves them at `/metrics` in Prometheus's text format; without one, neither happens
/// and Prometheus is never bootstrapped.
struct MetricsOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Serve the worker's metrics at http://BIND:PORT/metrics in Prometheus's text format (1 to 65535; 9394 is usual).",
        valueName: "port"
    ))
    var metricsPort: Int?

    @Option(name: .long, help: ArgumentHelp(
        "The IP address the metrics server listens on: 127.0.0.1 (default: this machine only), 0.0.0.0 (every interface, for a Prometheus elsewhere) or an IPv6 address such as ::1.",
        valueName: "address"
    ))
    var metricsBind: String?

    static let defaultBind = "127.0.0.1"

    /// A serving metrics server and the reporting that feeds it.
    struct Endpoint {
        let server: MetricsServer
        let reporting: MetricsReporting
    }

    func validate() throws {
        guard let metricsPort else {
            if metricsBind != nil { throw ValidationError("--metrics-bind needs --metrics-port: add --metrics-port PORT (e.g. 9394) to serve metrics.") }
            return
        }
        guard (1...65_535).contains(metricsPort) else {
            throw ValidationError("--metrics-port must be a TCP port from 1 to 65535, not \(metricsPort).")
        }
        do {
            _ = try BindAddress(host: metricsBind ?? Self.defaultBind, port: metricsPort)
        } catch {
            throw ValidationError("--metrics-bind: \(error)")
        }
    }

    /// With `--metrics-port`: binds the server (a port in use throws), bootstraps `MetricsSystem` with
    /// Prometheus so the app's own metrics are served too, starts serving, and returns the server and
    /// the reporting to give the worker. Without it: nil, and nothing is touched.
    func start(logger: Logger) throws(MetricsServerError) -> Endpoint? {
        guard let metricsPort else { return nil }
        let prometheus = PrometheusMetrics()
        let server = try MetricsServer(address: BindAddress(host: metricsBind ?? Self.defaultBind, port: metricsPort), registry: prometheus.registry, logger: logger)
        // An app that bootstrapped its own backend in main() keeps it: bootstrapping twice traps. The
        // worker's metrics then go to Prometheus all the same, through the factory given explicitly.
        if MetricsSystem.factory is NOOPMetricsHandler {
            MetricsSystem.bootstrap(prometheus.factory)
        } else {
            logger.notice("MetricsSystem was already bootstrapped; /metrics serves the worker's metrics, not the app's own.")
        }
        server.start()
        return Endpoint(server: server, reporting: MetricsReporting(factory: prometheus.factory))
    }
}
