import ArgumentParser

/// `conveyor`: push jobs and inspect queues from the shell.
@main
struct ConveyorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor",
        abstract: "Push jobs to Conveyor (Sidekiq-compatible) queues in Redis and inspect them.",
        discussion: """
        Examples:
          conveyor push HardJob '[1, "x"]'                 one job on the default queue
          conveyor push Noop --count 10000 --queue bulk    10,000 jobs
          conveyor push --file jobs.ndjson                 one job JSON object per line
          conveyor push Report '[7]' --in 90s              runs in 90 seconds (s, m, h or d)
          conveyor push Report '[7]' --at 2026-12-01T09:00:00Z
          conveyor stats                                   queue sizes and counters
          conveyor scheduled list                          jobs waiting for their time
          conveyor retry list | now JID | delete JID       failed jobs waiting to be retried
          conveyor dead list | retry JID | delete JID | clear
          conveyor processes                               live workers: busy, beat age, quiet
          conveyor quiet IDENTITY / conveyor stop IDENTITY signal one worker process

        Every command takes --json for scripts (push excepted) and --namespace for a key prefix.

        The Redis server comes from --redis, else REDIS_URL, else redis://127.0.0.1:6379/0.
        """,
        subcommands: [
            PushCommand.self, StatsCommand.self, ScheduledCommand.self, RetryCommand.self, DeadCommand.self,
            ProcessesCommand.self, QuietCommand.self, StopCommand.self,
        ]
    )
}
