import ArgumentParser
import Conveyor
import ConveyorRedis
import Logging

/// `conveyor-worker`: runs jobs from Redis queues until SIGINT or SIGTERM.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor-worker",
        abstract: "Run Conveyor jobs from Redis queues (the built-in Noop, Sleep, Fail, Crash, Echo, Record and Latency jobs).",
        discussion: """
        Examples:
          conveyor-worker                                # queue 'default', 10 at once
          conveyor-worker --queue critical --queue low   # strict: critical first
          conveyor-worker --queue critical,3 --queue low # weighted, as Sidekiq
          conveyor-worker --concurrency 50 --timeout 10
          conveyor-worker --drain                        # exit when queues are empty

        Built-in jobs: Noop; Sleep [ms]; Fail [message]; Crash (exits the process mid-job, status 70); Echo [anything] (logs its args); Record [set-key] or [set-key, list-key] (adds its jid to that Redis set, to prove a job ran, and appends it to that list, to prove no job ran twice); Latency [list-key] (appends the microseconds from enqueued_at to start, for benchmarks).

        SIGINT or SIGTERM stops fetching, waits up to --timeout seconds for running jobs, pushes the unfinished ones back to their queues and exits 0. A second signal exits at once; the jobs stay safe in this worker's private list and another worker recovers them.

        SIGTSTP (or `conveyor quiet IDENTITY`) makes the worker quiet: it stops fetching, finishes the running jobs and stays up until SIGTERM (or `conveyor stop IDENTITY`).

        The worker also moves due scheduled and retry jobs to their queues (about once a second across all workers) and recovers the jobs of workers whose heartbeat stopped; a job recovered from crashed workers more than 3 times goes to the dead set as a poison pill.
        """
    )

    @Option(name: .long, help: ArgumentHelp(
        "Redis URL: redis://[user:password@]host[:port][/db] or unix:///path.sock?db=N. Default: $REDIS_URL, else redis://127.0.0.1:6379/0.",
        valueName: "url"
    ))
    var redis: String?

    @Option(name: .long, help: ArgumentHelp("Prefix every key with NAMESPACE: (as the redis-namespace gem does).", valueName: "namespace"))
    var namespace: String?

    @Option(name: .long, help: ArgumentHelp(
        "A queue to serve, as NAME or NAME,WEIGHT. Repeat for several; without weights the order is strict. (default: default)",
        valueName: "queue"
    ))
    var queue: [String] = []

    @Option(name: .long, help: ArgumentHelp("How many jobs run at once.", valueName: "n"))
    var concurrency: Int = 10

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for running jobs on shutdown before pushing them back.", valueName: "seconds"))
    var timeout: Double = 25

    @Flag(name: .long, help: "Exit 0 once every served queue is empty and no job is running.")
    var drain = false

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1.") }
        guard timeout >= 0 else { throw ValidationError("--timeout must be 0 or more seconds.") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        do {
            _ = try QueueSelection(parsing: queue)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "conveyor.worker")
        let backend: RedisBackend
        do {
            backend = try await RedisBackend.connect(url: redis, namespace: namespace)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        let worker = Worker(
            backend: backend,
            registry: BuiltInJobs.registry(client: backend.client),
            configuration: WorkerConfiguration(
                queues: try QueueSelection(parsing: queue),
                concurrency: concurrency,
                shutdownTimeout: timeout
            ),
            logger: logger
        )
        let signals = ShutdownSignals(logger: logger, onQuiet: { worker.quiet() }, onFirstSignal: { worker.stop() })
        if drain {
            try await worker.runUntilIdle()
        } else {
            try await worker.run()
        }
        signals.cancel()
        backend.client.close()
    }
}
