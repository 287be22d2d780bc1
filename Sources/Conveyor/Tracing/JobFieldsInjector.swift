import Tracing

/// Writes a tracer's propagation headers into a job as top-level string fields (`traceparent`,
/// `tracestate` with the W3C propagator), where OpenTelemetry's Ruby Sidekiq instrumentation puts them.
/// A header already there is replaced: a job pushed again from a copy of a fetched one belongs to the
/// new push's trace.
struct JobFieldsInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout JSONObject) {
        carrier[key] = .string(value)
    }
}
