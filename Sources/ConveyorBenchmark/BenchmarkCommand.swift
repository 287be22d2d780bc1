import ArgumentParser
import Conveyor
import ConveyorRedis
import Foundation
import RedisClient

/// `conveyor-bench`: measures enqueue rate, processing rate, latency and memory of Conveyor against
/// a real Redis, running the real `conveyor` and `conveyor-worker` executables. `scripts/bench`
/// builds it in release mode and starts a throwaway Redis.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor-bench",
        abstract: "Benchmark Conveyor: enqueue, process, typed-job coding, latency and memory, each run several times.",
        discussion: """
        Examples:
          conveyor-bench                                  every figure, default sizes
          conveyor-bench --only process --runs 5
          conveyor-bench --only process,in-memory --compare-metrics
                                                          each process figure with metrics off and on
          conveyor-bench --only typed                     typed jobs encoded and decoded in-process
          conveyor-bench --only tls                       enqueue and process over TLS vs plain, same run
          conveyor-bench --only round-trip,client         jobs that write to Redis, and the same Redis
                                                          work sent by the shared client alone, no queue
          conveyor-bench --only round-trip --compare sidekiq
                                                          jobs that write to Redis, and the same job in
                                                          Sidekiq on the same Redis, side by side
          conveyor-bench --quick                          a tiny run (scripts/test uses it)
          conveyor-bench --json bench.json
        """
    )

    @Option(help: ArgumentHelp("Redis URL. Default: $REDIS_URL, else redis://127.0.0.1:6379/0.", valueName: "url"))
    var redis: String?

    @Option(help: ArgumentHelp("Directory holding conveyor and conveyor-worker. Default: this executable's.", valueName: "path"))
    var binDirectory: String?

    @Option(help: "Runs of each figure; the median and the spread are reported.")
    var runs = 3

    @Option(help: "Jobs pushed in each enqueue figure.")
    var enqueueJobs = 200_000

    @Option(help: "Concurrent single pushes in flight from one client.")
    var pushConcurrency = 100

    @Option(help: "No-op jobs prefilled for the process figure (at least 200,000 for the published table).")
    var processJobs = 200_000

    @Option(help: "Worker concurrency for the process, latency and memory figures.")
    var concurrency = 100

    @Option(help: ArgumentHelp("For the process figure: a concurrency limit on the no-op jobs (conveyor-worker --concurrency-limit Noop=N), to measure the limiter's overhead per job. Default: none.", valueName: "n"))
    var noopConcurrencyLimit: Int?

    @Option(help: "Jobs per second pushed for the latency figure.")
    var latencyRate = 1000

    @Option(help: "Seconds of steady pushing for the latency figure.")
    var latencySeconds = 5.0

    @Option(help: "Jobs per step of the memory figure (RSS is read idle, after one step and after two).")
    var memoryJobs = 1_000_000

    @Option(help: "Typed jobs encoded and decoded in each typed figure.")
    var typedJobs = 200_000

    @Option(help: "Only these figures (comma-separated): enqueue, process, round-trip, client (the round trip's Redis work alone, no queue), in-memory, typed, latency, memory, tls (own plain and TLS servers, not --redis). --compare adds its rows whatever --only says.")
    var only: String?

    @Option(help: ArgumentHelp("Also run this other queue with the same job on the same Redis, interleaved with Conveyor, and print both rates and their ratio. Only 'sidekiq': Sidekiq's `sidekiq` server and gem (scripts/install-deps --ruby), with the Ruby job in --sidekiq-job-file. Sidekiq writes its own keys without a namespace (stat:*, processes, a queue named bench-sidekiq-*): use a throwaway Redis.", valueName: "name"))
    var compare: String?

    @Option(help: ArgumentHelp("The Ruby twin of the built-in Record job that --compare sidekiq loads.", valueName: "path"))
    var sidekiqJobFile = "scripts/lib/sidekiq_record_job.rb"

    @Option(help: "Jobs in each run of the --compare figure, for each side.")
    var compareJobs = 100_000

    @Option(help: ArgumentHelp("Write the results as JSON to this file.", valueName: "path"))
    var json: String?

    @Flag(help: "Measure the process figures with metrics off and on (conveyor-worker --metrics-port), interleaved, printed side by side.")
    var compareMetrics = false

    @Flag(help: "Tiny sizes and one run: checks that the tool works, measures nothing worth quoting.")
    var quick = false

    func run() async throws {
        var settings = self
        if quick {
            settings.runs = 1
            settings.enqueueJobs = 2000
            settings.processJobs = 2000
            settings.latencySeconds = 0.5
            settings.latencyRate = 200
            settings.memoryJobs = 2000
            settings.typedJobs = 2000
            settings.compareJobs = 500
        }
        if let compare, compare != "sidekiq" {
            throw ValidationError("--compare takes only 'sidekiq', not '\(compare)'.")
        }
        let figureNames = ["enqueue", "process", "round-trip", "client", "in-memory", "typed", "latency", "memory", "tls"]
        let selected = Set((only ?? figureNames.joined(separator: ",")).split(separator: ",").map(String.init))
        // A misspelt name would otherwise print an empty table, as if the figure had nothing to show.
        if let unknown = selected.first(where: { !figureNames.contains($0) }) {
            throw ValidationError("--only takes figure names from \(figureNames.joined(separator: ", ")); '\(unknown)' is not one.")
        }
        let configuration = try redis.map { url throws(RedisError) in try RedisConfiguration(url: url) } ?? RedisConfiguration.fromEnvironment()
        let bench = BenchmarkEnvironment(
            configuration: configuration,
            binaryDirectory: binDirectory ?? URL(fileURLWithPath: Swift.CommandLine.arguments[0]).deletingLastPathComponent().path
        )
        try await bench.checkReachable()
        var report = BenchmarkReport(machine: BenchmarkReport.describeMachine(), redisVersion: try await bench.redisVersion())
        if selected.contains("enqueue") {
            report.figures += try await EnqueueBenchmark(bench: bench, jobs: settings.enqueueJobs, concurrency: settings.pushConcurrency, runs: settings.runs).run()
        }
        if selected.contains("process") {
            report.figures += try await ProcessBenchmark(bench: bench, jobs: settings.processJobs, concurrency: settings.concurrency, runs: settings.runs, comparesMetrics: compareMetrics, concurrencyLimit: noopConcurrencyLimit).run()
        }
        if selected.contains("round-trip") {
            report.figures += try await ProcessBenchmark(bench: bench, jobs: settings.processJobs, concurrency: settings.concurrency, runs: settings.runs, comparesMetrics: compareMetrics, workload: .roundTrip).run()
        }
        if selected.contains("client") {
            report.figures += try await ClientCeilingBenchmark(bench: bench, calls: settings.processJobs, concurrency: settings.concurrency, runs: settings.runs).run()
        }
        if compare == "sidekiq" {
            report.figures += try await SidekiqComparison(bench: bench, jobs: settings.compareJobs, concurrency: settings.concurrency, runs: settings.runs, jobFile: sidekiqJobFile).run()
        }
        if selected.contains("in-memory") {
            report.figures += try await InMemoryProcessBenchmark(jobs: settings.processJobs, concurrency: settings.concurrency, runs: settings.runs, comparesMetrics: compareMetrics).run()
        }
        if selected.contains("typed") {
            report.figures += try TypedCodingBenchmark(jobs: settings.typedJobs, runs: settings.runs).run()
        }
        if selected.contains("latency") {
            report.figures += try await LatencyBenchmark(bench: bench, rate: settings.latencyRate, seconds: settings.latencySeconds, concurrency: settings.concurrency, runs: settings.runs).run()
        }
        if selected.contains("tls") {
            report.figures += try await TLSBenchmark(binaryDirectory: bench.binaryDirectory, enqueueJobs: settings.enqueueJobs, processJobs: settings.processJobs,
                                                     pushConcurrency: settings.pushConcurrency, concurrency: settings.concurrency, runs: settings.runs).run()
        }
        if selected.contains("memory") {
            report.figures += try await MemoryBenchmark(bench: bench, jobs: settings.memoryJobs, concurrency: settings.concurrency).run()
        }
        print(report.table())
        if let json {
            try report.jsonData().write(to: URL(fileURLWithPath: json))
            print("Results written to \(json).")
        }
    }
}
