import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An executable's log level and format, from its `--log-level` and `--log-format` flags or the
/// environment. `conveyor` and every worker executable read them the same way:
///
/// ```swift
/// let settings = try LogSettings(levelFlag: "debug", formatFlag: nil, defaultLevel: .info)
/// settings.bootstrap()   // every Logger made from now on writes to standard error
/// ```
public struct LogSettings: Sendable, Equatable {
    /// The lowest level written.
    public var level: Logger.Level
    /// How lines are written.
    public var format: LogFormat

    /// The environment variable read when `--log-level` is not given.
    public static let levelVariable = "CONVEYOR_LOG_LEVEL"
    /// The environment variable read when `--log-format` is not given.
    public static let formatVariable = "CONVEYOR_LOG_FORMAT"

    /// The level names, lowest first, as the flags take them and JSON lines carry them.
    public static let levelNames = Logger.Level.allCases.map(\.rawValue)

    /// Settings given directly.
    public init(level: Logger.Level, format: LogFormat = .text) {
        self.level = level
        self.format = format
    }

    /// Settings from flag values, each falling back to its environment variable (``levelVariable``,
    /// ``formatVariable``; an empty value counts as unset), then to `defaultLevel` and `text`. Names
    /// are matched without regard to case (`INFO` is `info`).
    ///
    /// - Throws: ``LogSettingsError`` naming the flag or variable whose value is unknown; the
    ///   executables exit 64 with its message.
    public init(
        levelFlag: String?, formatFlag: String?, defaultLevel: Logger.Level,
        environment: (String) -> String? = LogSettings.processEnvironment
    ) throws(LogSettingsError) {
        let level = try Self.choose(levelFlag, flag: "--log-level", variable: Self.levelVariable, environment: environment) {
            Logger.Level(rawValue: $0)
        } refused: { source, value in
            LogSettingsError(setting: .level, source: source, value: value)
        }
        let format = try Self.choose(formatFlag, flag: "--log-format", variable: Self.formatVariable, environment: environment) {
            LogFormat(rawValue: $0)
        } refused: { source, value in
            LogSettingsError(setting: .format, source: source, value: value)
        }
        self.init(level: level ?? defaultLevel, format: format ?? .text)
    }

    /// A variable of this process's environment.
    public static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The flag's value, else the variable's, parsed; nil when neither is given.
    private static func choose<Value>(
        _ flagValue: String?, flag: String, variable: String, environment: (String) -> String?,
        parse: (String) -> Value?, refused: (_ source: String, _ value: String) -> LogSettingsError
    ) throws(LogSettingsError) -> Value? {
        let source: String
        let text: String
        if let flagValue {
            (source, text) = (flag, flagValue)
        } else if let variableValue = environment(variable), !variableValue.isEmpty {
            (source, text) = (variable, variableValue)
        } else {
            return nil
        }
        guard let value = parse(text.lowercased()) else { throw refused(source, text) }
        return value
    }
}
