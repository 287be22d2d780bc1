import Conveyor
import InMemoryTracing
import Tracing

/// An `InMemoryTracer` that propagates as OpenTelemetry tracers do by default: a W3C `traceparent`
/// header (`00-<32 hex trace ID>-<16 hex span ID>-<2 hex flags>`), parsed strictly, so that tests see
/// the fields a real app writes and a Ruby app reads. `InMemoryTracer` alone propagates its own
/// `in-memory-…` headers and takes any string as an ID.
struct W3CTestTracer: Tracer {
    /// Where the spans are recorded.
    let spans = InMemoryTracer(idGenerator: .init(nextTraceID: { randomHex(bytes: 16) }, nextSpanID: { randomHex(bytes: 8) }))

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> InMemorySpan {
        spans.startSpan(operationName, context: context(), ofKind: kind, at: instant(), function: function, file: fileID, line: line)
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Carrier == Inject.Carrier {
        guard let span = context.inMemorySpanContext else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: JobField.traceparent, into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Carrier == Extract.Carrier {
        guard let header = extractor.extract(key: JobField.traceparent, from: carrier) else { return }
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", Self.isHex(parts[1], count: 32), Self.isHex(parts[2], count: 16),
            Self.isHex(parts[3], count: 2), parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return }  // as the W3C specification says: an invalid traceparent is ignored
        context.inMemorySpanContext = InMemorySpanContext(traceID: String(parts[1]), spanID: String(parts[2]), parentSpanID: nil)
    }

    private static func isHex(_ text: Substring, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

private func randomHex(bytes: Int) -> String {
    (0..<bytes).map { _ in
        let byte = UInt8.random(in: 0...255)
        return String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
    }.joined()
}
