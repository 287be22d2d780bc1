import Tracing

/// Reads a tracer's propagation headers from a job's top-level fields. A field that is not a string
/// (another writer's field of the same name, or a damaged payload) reads as absent, so the tracer never
/// sees it and the run starts a new trace instead of failing.
struct JobFieldsExtractor: Extractor {
    func extract(key: String, from carrier: JSONObject) -> String? {
        carrier[key]?.stringValue
    }
}
