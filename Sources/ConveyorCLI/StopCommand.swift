import ArgumentParser

/// `conveyor stop IDENTITY`: tells a worker process to shut down gracefully, as on SIGTERM (Sidekiq's TERM).
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Tell a worker process to shut down gracefully, as on SIGTERM (Sidekiq's TERM).",
        discussion: SignalDelivery.discussion(command: "stop", signal: .stop)
    )

    @Argument(help: ArgumentHelp("The process identity, as `conveyor processes` shows it.", valueName: "identity"))
    var identity: String

    @Flag(name: .long, help: "Print JSON for scripts instead of a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        await SignalDelivery.send(.stop, to: identity, json: json, redis: redisOptions)
    }
}
