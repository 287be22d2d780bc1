import ArgumentParser

/// `conveyor quiet IDENTITY`: tells a worker process to stop fetching; running jobs finish and the process stays up (Sidekiq's TSTP).
struct QuietCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quiet",
        abstract: "Tell a worker process to stop fetching; running jobs finish and the process stays up (Sidekiq's TSTP).",
        discussion: SignalDelivery.discussion(command: "quiet", signal: .quiet)
    )

    @OptionGroup var target: SignalTargetOptions
    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        await SignalDelivery.send(.quiet, to: target.identity, json: target.json, redis: redisOptions)
    }
}
