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
          conveyor push Report '[7]' --in 90s            # in 90 s (s, m, h or d)
          conveyor push Report '[7]' --at 2026-12-01T09:00:00Z
          conveyor stats                                 # queue sizes, counters
          conveyor stats --redis redis+sentinel://s1,s2,s3/mymaster  # via Sentinel
          conveyor scheduled list                        # jobs waiting for their time
          conveyor retry list | now JID | delete JID     # failed jobs to retry
          conveyor dead list | retry JID | delete JID | clear
          conveyor queue list                            # sizes, latency, paused
          conveyor queue pause mail | resume mail | clear mail
          conveyor cancel JID                            # remove a waiting job, stop a running one
          conveyor cron list                             # periodic jobs: next and last run
          conveyor processes                             # live workers
          conveyor quiet IDENTITY                        # stop fetching
          conveyor stop IDENTITY                         # shut down gracefully
          conveyor web --port 7420                       # the web dashboard
          conveyor --log-level warning --log-format json stats
                                                         # client warnings as JSON lines

        Every command but push takes --json for scripts. All take --namespace for a key prefix, and --log-level and --log-format for the Redis client's log lines on standard error (by default errors only, as text).

        The Redis server comes from the subcommand's --redis (conveyor stats --redis URL), else REDIS_URL, else redis://127.0.0.1:6379/0.
        """,
        subcommands: [
            PushCommand.self, StatsCommand.self, ScheduledCommand.self, RetryCommand.self, DeadCommand.self,
            QueueCommand.self, CancelCommand.self, CronCommand.self, ProcessesCommand.self, QuietCommand.self, StopCommand.self, WebCommand.self,
        ]
    )

    // Here as well as in every subcommand, so that the flags may come before the subcommand's name
    // and a bad value is refused there too.
    @OptionGroup var logOptions: LogOptions
}
