import ArgumentParser
import Conveyor
import ConveyorCommandLine
import ConveyorLogging
import ConveyorPrometheus
import ConveyorRedis
import Logging

/// The command line of every worker executable built with ``WorkerMain``: `conveyor-worker` and yours.
/// Runs jobs from Redis queues until SIGINT or SIGTERM.
struct WorkerCommand: AsyncParsableCommand {
    /// Named after the executable that runs it, with the help of its own jobs.
    static var configuration: CommandConfiguration {
        let name = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? "conveyor-worker"
        let jobHelp = WorkerSetup.current.withLock { $0?.jobHelp } ?? ""
        return CommandConfiguration(
            commandName: name,
            abstract: "Run Conveyor jobs from Redis queues.",
            discussion: """
            Examples:
              \(name)                                # queue 'default', 10 at once
              \(name) --queue critical --queue low   # strict: critical first
              \(name) --queue critical,3 --queue low # weighted, as Sidekiq
              \(name) --concurrency 50 --timeout 10
              \(name) --drain                        # exit when queues are empty
              \(name) --schedule config/schedule.yml # also push periodic jobs (cron or every)
              \(name) --concurrency-limit Report=2 --rate-limit Mail=100/m
                                                     # limits across all workers
              \(name) --log-level debug --log-format json
                                                     # JSON lines, for a log collector
              \(name) --heartbeat-interval 0.5 --stale-after 2 --recovery-interval 1 --retry-delay 0.2
                                                     # fast crash recovery and retries, for tests
              \(name) --metrics-port 9394            # Prometheus metrics at 127.0.0.1:9394/metrics
              \(name) --redis rediss://redis.example.com:6380/0 --cacert ca.crt
                                                     # TLS, verified against ca.crt
              \(name) --redis redis+sentinel://s1,s2,s3/mymaster
                                                     # Sentinel's master, across failovers

            \(jobHelp)

            SIGINT or SIGTERM stops fetching, waits up to --timeout seconds for running jobs, pushes the unfinished ones back to their queues and exits 0. A second signal stops at once: running jobs are cancelled and pushed back, exit 0. A third exits on the spot (status 1); the jobs stay safe in this worker's private list and another worker recovers them.

            SIGTSTP (or `conveyor quiet IDENTITY`) makes the worker quiet: it stops fetching, finishes the running jobs and stays up until SIGTERM (or `conveyor stop IDENTITY`).

            The worker also moves due scheduled and retry jobs to their queues (about once a second across all workers) and recovers the jobs of dead workers (checked every --recovery-interval). Each heartbeat renews a lease in Redis that expires after this worker's --stale-after, timed by Redis's clock, so workers with different settings or skewed clocks never take each other's live jobs; a job that was running when its worker died 3 times goes to the dead set as a poison pill. Heartbeats run on their own thread, so a handler that computes without yielding does not make its worker look dead.

            A backend error that retrying cannot fix (a missing ACL permission such as EVALSHA, a Conveyor key of the wrong type) is logged as an error; when it stops fetching, heartbeats or acknowledgements the worker shuts down and exits 1. Shutdown never takes longer than --timeout plus 5 seconds, even with Redis hung: jobs it could not settle stay in the private list for recovery.

            Exit status: 0 after a clean stop, 1 when the worker could not connect, could not listen on --metrics-port or could not work, 64 on bad arguments.
            """
        )
    }

    @OptionGroup var connection: RedisConnectionOptions

    @Option(name: .long, help: ArgumentHelp(
        "A queue to serve, as NAME or NAME,WEIGHT. Repeat for several; without weights the order is strict. (default: default)",
        valueName: "queue"
    ))
    var queue: [String] = []

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("How many jobs run at once, 1 to 10000 (more only costs memory: run more processes instead).", valueName: "n"))
    var concurrency: Int = 10

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seconds to wait for running jobs on shutdown before pushing them back.", valueName: "seconds"))
    var timeout: Double = 25

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seconds between heartbeats.", valueName: "seconds"))
    var heartbeatInterval: Double = 5

    @Option(name: .long, help: ArgumentHelp(
        "Seconds without a heartbeat after which this worker counts as dead and other workers recover its jobs: the lease each beat renews, timed by Redis's clock. Must exceed --heartbeat-interval (3 times or more is safe).",
        valueName: "seconds"
    ))
    var staleAfter: Double = 30

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seconds between checks for dead workers' jobs to recover.", valueName: "seconds"))
    var recoveryInterval: Double = 15

    @Option(name: .long, help: ArgumentHelp(
        "For tests: retry every failed job after this fixed number of seconds instead of its own or Sidekiq's growing delay (15 s and more).",
        valueName: "seconds"
    ))
    var retryDelay: Double?

    @Flag(name: .long, help: "Exit 0 once every served queue is empty and no job is running.")
    var drain = false

    @Option(name: .long, help: ArgumentHelp(
        "The lowest level logged: trace, debug, info, notice, warning, error or critical. Default: $CONVEYOR_LOG_LEVEL, else info.",
        valueName: "level"
    ))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp(
        "text (for people) or json (one JSON object per line, for log collectors), on standard error. Default: $CONVEYOR_LOG_FORMAT, else text.",
        valueName: "format"
    ))
    var logFormat: String?

    @OptionGroup(title: "Metrics")
    var metrics: MetricsOptions

    @Option(name: .long, help: ArgumentHelp(
        "Push periodic jobs from this YAML schedule file (sidekiq-cron's format, plus 'every'), e.g. `nightly: { cron: \"0 3 * * *\", class: Report, timezone: Europe/Berlin }`. Any number of workers may load the same file: each tick is pushed once. A bad entry is refused at start with its line and the reason.",
        valueName: "file"
    ))
    var schedule: String?

    @Option(name: .long, help: ArgumentHelp(
        "At most N jobs of CLASS running at once across all workers, e.g. --concurrency-limit Report=2 (repeatable). A job over the limit goes back to wait, 0.5 s and growing, never spinning; a crashed worker's slots free themselves after its --stale-after.",
        valueName: "class=n"
    ))
    var concurrencyLimit: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "At most N runs of CLASS per second, minute or hour across all workers, e.g. --rate-limit Mail=100/m (s, m or h; repeatable). A job over the limit waits for the next window.",
        valueName: "class=n/unit"
    ))
    var rateLimit: [String] = []

    func validate() throws {
        _ = try limits()
        if let schedule {
            do {
                _ = try ScheduleFile.read(path: schedule)
            } catch {
                throw ValidationError("--schedule: \(error)")
            }
        }
        do {
            _ = try logSettings()
        } catch {
            throw ValidationError(error.description)
        }
        do {
            _ = try QueueSelection(parsing: queue)
        } catch {
            throw ValidationError(error.description)
        }
        // The library's own checks, worded with the flags' names.
        do {
            _ = try configuration()
        } catch let error as WorkerConfigurationError {
            throw ValidationError("\(Self.flag(for: error.setting)) \(error.rule)")
        }
    }

    /// The limits of `--concurrency-limit CLASS=N` and `--rate-limit CLASS=N/UNIT`, by class.
    func limits() throws -> ([String: ConcurrencyLimit], [String: RateLimit]) {
        var concurrency: [String: ConcurrencyLimit] = [:]
        for text in concurrencyLimit {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let limit = Int(parts[1]), limit >= 1 else {
                throw ValidationError("--concurrency-limit \(LogText.quoted(text)) must be CLASS=N with N at least 1, e.g. --concurrency-limit Report=2.")
            }
            concurrency[parts[0]] = ConcurrencyLimit(limit)
        }
        var rates: [String: RateLimit] = [:]
        let units: [String: Duration] = ["s": .seconds(1), "second": .seconds(1), "m": .seconds(60), "minute": .seconds(60), "h": .seconds(3600), "hour": .seconds(3600)]
        for text in rateLimit {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            let rate = parts.count == 2 ? parts[1].split(separator: "/", maxSplits: 1).map(String.init) : []
            guard parts.count == 2, !parts[0].isEmpty, rate.count == 2, let limit = Int(rate[0]), limit >= 1, let window = units[rate[1]] else {
                throw ValidationError("--rate-limit \(LogText.quoted(text)) must be CLASS=N/UNIT with N at least 1 and UNIT s, m or h, e.g. --rate-limit Mail=100/m.")
            }
            rates[parts[0]] = RateLimit(limit, per: window)
        }
        return (concurrency, rates)
    }

    /// The worker's configuration from the flags; refuses what ``WorkerConfiguration`` refuses.
    func configuration() throws -> WorkerConfiguration {
        // Seconds from the command line can be inf or NaN, which a Duration cannot hold: checked first.
        func duration(_ seconds: Double, _ setting: WorkerConfigurationError.Setting, mayBeZero: Bool = false) throws -> Duration {
            try WorkerConfiguration.check(seconds: seconds, for: setting, mayBeZero: mayBeZero)
            return .seconds(seconds)
        }
        return try WorkerConfiguration(
            queues: try QueueSelection(parsing: queue),
            concurrency: concurrency,
            shutdownTimeout: duration(timeout, .shutdownTimeout, mayBeZero: true),
            heartbeatInterval: duration(heartbeatInterval, .heartbeatInterval),
            recoveryInterval: duration(recoveryInterval, .recoveryInterval),
            recoveryPolicy: RecoveryPolicy(staleHeartbeatAge: duration(staleAfter, .staleHeartbeatAge)),
            retryDelayOverride: try retryDelay.map { try duration($0, .retryDelayOverride, mayBeZero: true) }
        )
    }

    /// The log settings from the flags, else the environment; refuses unknown names.
    func logSettings() throws(LogSettingsError) -> LogSettings {
        try LogSettings(levelFlag: logLevel, formatFlag: logFormat, defaultLevel: .info)
    }

    /// The flag that sets a configuration setting.
    static func flag(for setting: WorkerConfigurationError.Setting) -> String {
        switch setting {
        case .queues: "--queue"
        case .concurrency: "--concurrency"
        case .shutdownTimeout: "--timeout"
        case .heartbeatInterval: "--heartbeat-interval"
        case .recoveryInterval: "--recovery-interval"
        case .staleHeartbeatAge: "--stale-after"
        case .retryDelayOverride: "--retry-delay"
        case .scheduledPollInterval: "The poll interval"
        }
    }

    func run() async throws {
        try logSettings().bootstrap()
        let logger = Logger(label: "conveyor.worker")
        // Bound before Redis is asked anything, so a port in use fails fast, with nothing started.
        let metricsEndpoint: MetricsOptions.Endpoint?
        do {
            metricsEndpoint = try metrics.start(logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        defer { metricsEndpoint?.server.stop() }
        let backend: RedisBackend
        do {
            backend = try await RedisBackend.connect(configuration: connection.configuration(), namespace: connection.namespace)
        } catch {
            logger.critical("\(RedisErrorAdvice.message(for: error))")
            throw ExitCode.failure
        }
        guard let setup = WorkerSetup.current.withLock({ $0 }) else {
            logger.critical("The worker command ran without WorkerMain.run; start it with WorkerMain.run(registry:).")
            await backend.close()
            throw ExitCode.failure
        }
        let registry = setup.makeRegistry(WorkerContext(redis: backend.client, namespace: connection.namespace))
        var configuration = try configuration()
        configuration.middleware = setup.middleware
        configuration.metrics = metricsEndpoint?.reporting
        if let schedule { configuration.periodicJobs = try ScheduleFile.read(path: schedule) }
        (configuration.concurrencyLimits, configuration.rateLimits) = try limits()
        let worker = Worker(backend: backend, registry: registry, configuration: configuration, logger: logger)
        let signals = ShutdownSignals(logger: logger, onQuiet: { worker.quiet() }, onFirstSignal: { worker.stop() }, onSecondSignal: { worker.stop(.immediate) })
        var failure: (any Error)?
        do {
            if drain {
                try await worker.runUntilIdle()
            } else {
                try await worker.run()
            }
        } catch {
            failure = error
        }
        signals.cancel()
        // Closing keeps the bound on shutdown (--timeout plus Worker.shutdownGrace) even on a hung Redis:
        // close() cuts a round trip in flight short instead of waiting out the command timeout.
        await backend.close()
        if let error = failure as? WorkerError {
            // Already logged as it happened; the exit status says the worker could not do its work.
            logger.critical("Exiting with status 1: \(error)")
            throw ExitCode.failure
        }
        if let failure { throw failure }
    }
}
