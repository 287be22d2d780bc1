import ArgumentParser

/// `conveyor`: push jobs and inspect queues from the shell.
@main
struct ConveyorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor",
        abstract: "Push jobs to Conveyor (Sidekiq-compatible) queues in Redis and inspect them.",
        discussion: """
        Examples:
          conveyor push HardJob '[1, "x"]'               # one job, queue 'default'
          conveyor push Noop --count 10000 --queue bulk  # 10,000 jobs
          conveyor push --file jobs.ndjson               # one job JSON per line
          conveyor stats                                 # queue sizes, counters

        The Redis server comes from --redis, else REDIS_URL, else redis://127.0.0.1:6379/0.
        """,
        subcommands: [PushCommand.self, StatsCommand.self]
    )
}
