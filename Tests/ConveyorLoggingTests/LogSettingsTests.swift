import ConveyorLogging
import Logging
import Testing

@Suite("Log settings from flags and the environment")
struct LogSettingsTests {
    func settings(level: String? = nil, format: String? = nil, environment: [String: String] = [:], defaultLevel: Logger.Level = .info) throws(LogSettingsError) -> LogSettings {
        try LogSettings(levelFlag: level, formatFlag: format, defaultLevel: defaultLevel) { environment[$0] }
    }

    @Test("flags win over the environment, which wins over the defaults; names ignore case")
    func precedence() throws {
        #expect(try settings() == LogSettings(level: .info, format: .text))
        #expect(try settings(defaultLevel: .error) == LogSettings(level: .error, format: .text))
        #expect(try settings(level: "debug", format: "json") == LogSettings(level: .debug, format: .json))
        #expect(try settings(level: "WARNING", format: "JSON") == LogSettings(level: .warning, format: .json))
        let environment = ["CONVEYOR_LOG_LEVEL": "trace", "CONVEYOR_LOG_FORMAT": "json"]
        #expect(try settings(environment: environment) == LogSettings(level: .trace, format: .json))
        #expect(try settings(level: "critical", format: "text", environment: environment) == LogSettings(level: .critical, format: .text))
        #expect(try settings(environment: ["CONVEYOR_LOG_LEVEL": "", "CONVEYOR_LOG_FORMAT": ""]) == LogSettings(level: .info, format: .text), "empty means unset")
    }

    @Test("every swift-log level name is accepted", arguments: Logger.Level.allCases)
    func levelNames(level: Logger.Level) throws {
        #expect(try settings(level: level.rawValue).level == level)
    }

    @Test("an unknown name is refused, naming the flag or variable, the value and the choices", arguments: [
        ("--log-level", #"--log-level "bogus" is not a log level; use trace, debug, info, notice, warning, error or critical."#),
        ("--log-format", #"--log-format "bogus" is not a log format; use text or json."#),
        ("CONVEYOR_LOG_LEVEL", #"CONVEYOR_LOG_LEVEL "bogus" is not a log level; use trace"#),
        ("CONVEYOR_LOG_FORMAT", #"CONVEYOR_LOG_FORMAT "bogus" is not a log format"#),
    ])
    func unknownNames(source: String, message: String) {
        do {
            switch source {
            case "--log-level": _ = try settings(level: "bogus")
            case "--log-format": _ = try settings(format: "bogus")
            default: _ = try settings(environment: [source: "bogus"])
            }
            Issue.record("\(source) bogus was accepted")
        } catch {
            #expect(error.source == source && error.value == "bogus")
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test("a refused value with control characters is quoted on one line")
    func refusedValueIsEscaped() {
        do {
            _ = try settings(level: "info\n\u{1B}[31m\u{85}")
            Issue.record("a level with control characters was accepted")
        } catch {
            #expect(error.description.hasPrefix(#"--log-level "info\n\u001b[31m\u0085" is not"#), "\(error)")
        }
    }

    @Test("the handler follows the settings: JSON lines or swift-log's text lines, at the level")
    func handlers() {
        let json = LogSettings(level: .debug, format: .json).makeHandler(label: "x")
        #expect(json is JSONLogHandler && json.logLevel == .debug)
        let text = LogSettings(level: .notice, format: .text).makeHandler(label: "x")
        #expect(text is StreamLogHandler && text.logLevel == .notice)
    }
}
