import ConveyorSupport
import ArgumentParser
import Conveyor
import Dispatch
import ConveyorRedisTestKit
import Foundation

/// `conveyor-chaos`: the fault-injection suite. Runs the real `conveyor-worker` against real
/// redis-server processes it starts itself, injects one fault per scenario, checks every job by jid
/// and prints a table. `scripts/chaos` builds and runs it; `scripts/test` runs it too.
@main
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor-chaos",
        abstract: "Fault injection: kill workers and Redis mid-run, feed malformed jobs, and check that no job is lost.",
        discussion: """
        Examples:
          conveyor-chaos --bin-directory .build/debug
          conveyor-chaos --only kill,race --markdown chaos.md
          conveyor-chaos --only frozen,skew,stale-processes,maxmemory

        Scenarios (each with its own redis-server on a free loopback port):
          kill      kill -9 a worker with jobs in flight; a second worker recovers them
          sigterm   SIGTERM during jobs longer than --timeout; they go back to the queue
          redis     redis-server killed with SIGKILL and restarted (append-only, fsync always)
          malformed good jobs mixed with malformed payloads pushed raw
          retry     failing jobs retried exactly their maximum, then dead
          race      8 workers race to recover one dead worker's private list
          frozen    a worker frozen (SIGSTOP) past its lease is recovered, wakes, fetches
                    again and is killed with -9; its new jobs are recovered too
          skew      a recovering worker's clock 40 s ahead (libfaketime) takes no job
                    from a live worker
          stale-processes
                    40 killed workers left in processes; scheduled jobs still run on time
          maxmemory Redis at maxmemory with noeviction; a worker registers and drains it
          sentinel  SENTINEL FAILOVER while a worker on redis+sentinel:// runs 20,000 jobs
                    and pushes go on; every acknowledged job is recorded on the new master

        Exits 1 when any scenario loses a job or misses an expectation.
        """
    )

    @Option(help: ArgumentHelp("Directory holding conveyor-worker. Default: this executable's.", valueName: "path"))
    var binDirectory: String?

    @Option(help: ArgumentHelp("Only these scenarios, comma-separated: kill, sigterm, redis, malformed, retry, race, frozen, skew, stale-processes, maxmemory, sentinel.", valueName: "names"))
    var only: String?

    @Option(help: ArgumentHelp("Also write the table as Markdown to this file.", valueName: "path"))
    var markdown: String?

    @Option(help: "Jobs in the kill -9 scenario.")
    var killJobs = 5000

    func run() async throws {
        let scenarios: [(String, any ChaosScenario)] = [
            ("kill", WorkerKillScenario(jobs: killJobs)),
            ("sigterm", GracefulStopScenario()),
            ("redis", RedisRestartScenario()),
            ("malformed", MalformedJobsScenario()),
            ("retry", RetryExhaustionScenario()),
            ("race", RecoveryRaceScenario()),
            ("frozen", FrozenWorkerScenario()),
            ("skew", ClockSkewScenario()),
            ("stale-processes", StaleProcessesScenario()),
            ("maxmemory", MaxMemoryScenario()),
            ("sentinel", SentinelFailoverScenario()),
        ]
        let selected = only.map { Set($0.split(separator: ",").map(String.init)) }
        if let selected, let unknown = selected.first(where: { name in !scenarios.contains { $0.0 == name } }) {
            throw ValidationError("Unknown scenario '\(unknown)'; choose from \(scenarios.map(\.0).joined(separator: ", ")).")
        }
        let directory = binDirectory ?? URL(fileURLWithPath: Swift.CommandLine.arguments[0]).deletingLastPathComponent().path
        guard FileManager.default.isExecutableFile(atPath: directory + "/conveyor-worker"),
              FileManager.default.isExecutableFile(atPath: directory + "/conveyor") else {
            throw ValidationError("No conveyor-worker or conveyor in \(directory); build them (swift build) or pass --bin-directory.")
        }
        let environment = ChaosEnvironment(binaryDirectory: directory, children: ChildProcesses())
        let interruption = Self.killChildrenOnInterrupt(environment.children)
        defer { interruption.forEach { $0.cancel() } }

        var outcomes: [ScenarioOutcome] = []
        var meanings: [String: String] = [:]
        for (short, scenario) in scenarios where selected?.contains(short) ?? true {
            print("==> \(scenario.name)")
            meanings[scenario.name] = scenario.recoveryMeaning
            let started = MonotonicClock.now()
            var outcome: ScenarioOutcome
            do {
                outcome = try await scenario.run(in: environment)
            } catch {
                outcome = ScenarioOutcome(name: scenario.name)
                outcome.failures.append("\(error)")
            }
            print("    \(outcome.passed ? "PASS" : "FAIL") in \(String(format: "%.1f", MonotonicClock.now() - started)) s")
            for failure in outcome.failures { print("    FAILED: \(failure)") }
            outcomes.append(outcome)
        }
        let invocation = "conveyor-chaos" + (only.map { " --only \($0)" } ?? "")
        let report = ChaosReport(outcomes: outcomes, meanings: meanings, command: invocation)
        print("")
        print(report.text())
        if let markdown {
            try report.markdown().write(toFile: markdown, atomically: true, encoding: .utf8)
            print("Markdown table written to \(markdown).")
        }
        if outcomes.contains(where: { !$0.passed }) {
            throw ExitCode.failure
        }
    }

    /// SIGINT or SIGTERM kills every child process before exiting, so an interrupted run leaves no
    /// worker behind (redis-servers have their own watchdog).
    private static func killChildrenOnInterrupt(_ children: ChildProcesses) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                children.killAll()
                Glibc.exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}
