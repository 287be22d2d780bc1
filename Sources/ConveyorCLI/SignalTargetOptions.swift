import ArgumentParser

/// What `conveyor quiet` and `conveyor stop` take: the worker to signal and how to report.
struct SignalTargetOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The process identity, as `conveyor processes` shows it.", valueName: "identity"))
    var identity: String

    @Flag(name: .long, help: "Print JSON for scripts instead of a sentence.")
    var json = false
}
