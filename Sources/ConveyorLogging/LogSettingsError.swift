import ConveyorJSON

/// A log level or format that Conveyor does not know, from a flag or the environment.
public struct LogSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which setting was wrong.
    public enum Setting: Sendable, Equatable {
        /// `--log-level` or `CONVEYOR_LOG_LEVEL`.
        case level
        /// `--log-format` or `CONVEYOR_LOG_FORMAT`.
        case format
    }

    /// Which setting was wrong.
    public let setting: Setting
    /// Where the value came from, as the user wrote it: `--log-level` or `CONVEYOR_LOG_LEVEL`.
    public let source: String
    /// The value refused.
    public let value: String

    /// What was wrong and the names that would do, e.g. `--log-level "loud" is not a log level; use trace, …`.
    public var description: String {
        // Quoted as in a JSON log line: the value is the user's and may hold control characters,
        // which must not reach the terminal as they are.
        let quoted = String(decoding: JSONLine.escapingControlsAndSeparators(JSONValue.string(value).serialized()), as: UTF8.self)
        switch setting {
        case .level:
            let names = LogSettings.levelNames.dropLast().joined(separator: ", ") + " or " + LogSettings.levelNames.last!
            return "\(source) \(quoted) is not a log level; use \(names)."
        case .format:
            return "\(source) \(quoted) is not a log format; use \(LogFormat.allCases.map(\.rawValue).joined(separator: " or "))."
        }
    }
}
