import ArgumentParser

/// `conveyor quiet IDENTITY`: tells a worker process to stop fetching; running jobs finish and the process stays up (Sidekiq's TSTP).
struct QuietCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quiet",
        abstract: "Tell a worker process to stop fetching; running jobs finish and the process stays up (Sidekiq's TSTP).",
        discussion: SignalDelivery.discussion(command: "quiet", signal: .quiet)
    )

    @Argument(help: ArgumentHelp("The process identity, as `conveyor processes` shows it.", valueName: "identity"))
    var identity: String

    @Flag(name: .long, help: "Print JSON for scripts instead of a sentence.")
    var json = false

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        await SignalDelivery.send(.quiet, to: identity, json: json, redis: redisOptions)
    }
}
