import ArgumentParser
import ConveyorLogging

/// `--log-level` and `--log-format`: the command line and all its subcommands take them, before or
/// after the subcommand's name. Only the Redis client logs here, and a one-shot command reports its
/// own failure, so the default level is `error`: the client's "retrying" warnings would promise
/// retries that never come.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The lowest level logged: trace, debug, info, notice, warning, error or critical. Default: $CONVEYOR_LOG_LEVEL, else error.",
        valueName: "level"
    ))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp(
        "text or json (one JSON object per line), on standard error. Default: $CONVEYOR_LOG_FORMAT, else text.",
        valueName: "format"
    ))
    var logFormat: String?

    /// An unknown level or format is a usage error (exit 64), found before anything connects.
    func validate() throws {
        do {
            _ = try settings()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The settings from the flags, else the environment.
    func settings() throws(LogSettingsError) -> LogSettings {
        try LogSettings(levelFlag: logLevel, formatFlag: logFormat, defaultLevel: .error)
    }
}
