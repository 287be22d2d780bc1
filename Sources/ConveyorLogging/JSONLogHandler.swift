import ConveyorJSON
import Logging

/// A swift-log handler that writes one JSON object per line, for log collectors:
///
/// ```json
/// {"time":"2026-12-01T05:40:00.123Z","level":"warning","label":"conveyor.worker","message":"Job failed; it goes to the retry set and runs again in 17 s.","metadata":{"class":"Fail","error":"boom","jid":"f1a94cf78272e45781612a76","queue":"default"}}
/// ```
///
/// The members come in that order; `metadata` is always there (`{}` when empty) with its keys sorted,
/// string values as JSON strings and nested dictionaries and arrays as JSON objects and arrays.
/// Everything goes through ConveyorJSON's writer, so a job's data, with newlines, quotes or a fake
/// `{"level":…}` in it, stays inside its string and cannot start a second line.
public struct JSONLogHandler: LogHandler {
    /// The logger's label, written as `label`.
    public let label: String
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Metadata on every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to every line as it is written (task-local values, for example).
    public var metadataProvider: Logger.MetadataProvider?
    private let output: LogOutput

    /// A handler for the logger `label` writing to `output`, by default standard error.
    public init(label: String, output: LogOutput = .standardError, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
    }

    /// One key of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event as one line; `Logger` has already checked its level.
    public func log(event: LogEvent) {
        output.write(line(for: event, time: LogTimestamp.now()))
    }

    /// The complete line for `event`, newline included.
    func line(for event: LogEvent, time: String) -> [UInt8] {
        let object = JSONObject([
            ("time", .string(time)),
            ("level", .string(event.level.rawValue)),
            ("label", .string(label)),
            ("message", .string(event.message.description)),
            ("metadata", Self.json(effectiveMetadata(for: event))),
        ])
        var line = JSONLine.escapingControlsAndSeparators(JSONValue.object(object).serialized())
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// The metadata of one line, merged as swift-log's `StreamLogHandler` does: the logger's, then the
    /// provider's, then the call's, each overriding the one before; an error attached to the event as
    /// `error.message` and `error.type`.
    private func effectiveMetadata(for event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return merged
    }

    /// Metadata as a JSON object with sorted keys, so the same metadata always reads the same.
    private static func json(_ metadata: Logger.Metadata) -> JSONValue {
        .object(JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let string): .string(string)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .dictionary(let dictionary): json(dictionary)
        case .array(let array): .array(array.map(json))
        }
    }
}
