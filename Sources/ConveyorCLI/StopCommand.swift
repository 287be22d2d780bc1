import ArgumentParser

/// `conveyor stop IDENTITY`: tells a worker process to shut down gracefully, as on SIGTERM (Sidekiq's TERM).
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Tell a worker process to shut down gracefully, as on SIGTERM (Sidekiq's TERM).",
        discussion: SignalDelivery.discussion(command: "stop", signal: .stop)
    )

    @OptionGroup var target: SignalTargetOptions
    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        await SignalDelivery.send(.stop, to: target.identity, json: target.json, redis: redisOptions)
    }
}
