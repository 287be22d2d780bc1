import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import Foundation
import RedisClient
import Synchronization

/// `SENTINEL FAILOVER` mid-run: one master, one replica, three sentinels; a real `conveyor-worker` on a
/// `redis+sentinel://` URL runs 20,000 `Record` jobs while a Swift producer pushes them, and a
/// `conveyor push --count` runs across the switch. Every job the producer saw acknowledged (with
/// `wait_replicas=1`, so each acknowledged push is on the replica) is recorded on the new master, the
/// worker keeps running in the same process, and the CLI either pushes everything or says how many it
/// pushed, each of which is recorded.
struct SentinelFailoverScenario: ChaosScenario {
    var jobs = 20_000
    var chunk = 50
    var cliJobs = 20_000
    let name = "sentinel failover"
    let recoveryMeaning = "from SENTINEL FAILOVER to the worker's first job recorded on the new master (the old master is demoted some 10 s later; pushes wait for a replica until then)"

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        let cluster = try await SentinelTestCluster.start()
        defer { cluster.stopInBackground() }
        defer { environment.children.killAll() }
        var outcome = ScenarioOutcome(name: name)
        try await cluster.waitUntilReady()
        let oldPort = cluster.servers[0].port
        let newPort = cluster.servers[1].port
        // The producer and the CLI wait for the replica: a push the old master took but never
        // replicated reports failure instead of vanishing. The worker needs no wait (see the README).
        let pushURL = cluster.url(query: "wait_replicas=1&wait_timeout=0.5")
        let key = "recorded"
        let cliKey = "recorded-cli"
        let worker = try environment.start("conveyor-worker", ["--concurrency", "20", "--retry-delay", "0.5", "--log-level", "notice"], url: cluster.url())
        let producerBackend = try await RedisBackend.connect(url: pushURL)
        let chaosProducer = ChaosProducer(backend: producerBackend, chunk: chunk, pause: .milliseconds(10))
        let producer = Task {
            try await chaosProducer.push(ChaosEnvironment.recordJobs(jobs, key: key, milliseconds: 1))
        }
        defer { producer.cancel() }
        let oldMaster = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: oldPort)))
        let newMaster = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: newPort)))
        // Left to their deinit when the scenario throws; closed at the end otherwise.
        try await environment.waitUntil("a quarter of the jobs recorded", timeout: 120) {
            try await oldMaster.send("SCARD", key).integer ?? 0 >= jobs / 4
        }

        // Started just before the switch, so that it is usually pushing when the switch comes.
        let cli = try environment.start("conveyor", ["push", "Record", "[\"\(cliKey)\"]", "--count", "\(cliJobs)"], url: pushURL)
        try await Task.sleep(for: .milliseconds(100))
        try cluster.failover()
        let failedOverAt = MonotonicClock.now()
        let pushedAtFailover = chaosProducer.acknowledged.count
        try await environment.waitUntil("every sentinel naming the replica as master", timeout: 30) {
            try cluster.masterPorts().allSatisfy { $0 == newPort }
        }
        let recordedAtSwitch = try await newMaster.send("SCARD", key).integer ?? 0
        try await environment.waitUntil("the worker recording on the new master", timeout: 60) {
            try await newMaster.send("SCARD", key).integer ?? 0 > recordedAtSwitch
        }
        outcome.recoverySeconds = MonotonicClock.now() - failedOverAt
        outcome.expect(worker.isRunning, "the worker exited during the failover")

        try await producer.value
        let acknowledged = chaosProducer.acknowledged
        outcome.pushed = acknowledged.count
        let cliResult = try await cliOutcome(cli, environment: environment)
        // Not fatal when it times out: the tally below then counts the lost jobs.
        try? await environment.waitUntil("every acknowledged job recorded on the new master", timeout: 60) {
            try await newMaster.send("SCARD", key).integer ?? 0 >= acknowledged.count
        }
        let backend = RedisBackend(client: newMaster)
        // A job the old master acknowledged but never replicated waits in the new master's private
        // list until the worker's second look for strays (its command timeout after the switch).
        do {
            try await environment.waitUntil("queues, private lists and retry set empty on the new master", timeout: 60) {
                let statistics = try await backend.statistics()
                return statistics.enqueued == 0 && statistics.inProgress == 0 && statistics.retries == 0
            }
        } catch {
            let statistics = try await backend.statistics()
            outcome.failures.append("\(error): \(statistics.enqueued) enqueued, \(statistics.inProgress) in private lists, \(statistics.retries) retrying")
        }
        let cliRecorded = try await newMaster.send("SCARD", cliKey).integer ?? 0
        outcome.expect(cliRecorded >= cliResult.pushed, "conveyor push reported \(cliResult.pushed) jobs pushed, but only \(cliRecorded) were recorded")
        outcome.expect(cliRecorded <= cliJobs, "\(cliRecorded) CLI jobs recorded, more than the \(cliJobs) pushed")
        outcome.expect(try cluster.role(ofServerOn: newPort) == "master", "the replica is not master after the failover")
        outcome.expect(worker.isRunning, "the worker did not survive the failover")
        let status = try await environment.stop(worker)
        let workerLog = await worker.finish().errors
        outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM")
        let statistics = try await backend.statistics()
        outcome.expect(statistics.dead == 0, "\(statistics.dead) jobs in the dead set")
        let tally = try await ChaosEnvironment.tally(newMaster, key: key, expected: acknowledged)
        outcome.lost = tally.lost
        outcome.duplicates = tally.duplicates
        let failedAttempts = chaosProducer.failedAttempts
        // The announcement is logged only when it is news to the process: one of the worker's
        // connections, asking the sentinels again after the promotion, may reach the new master first.
        let heard = workerLog.contains("Sentinel announced a failover") || workerLog.contains("Connected to the new Redis master after a failover")
        outcome.expect(heard, "the worker logged neither the sentinels' +switch-master nor its own move to the new master")
        outcome.notes.append("failover with \(pushedAtFailover) jobs acknowledged to the producer; \(failedAttempts) chunk pushes of \(chunk) failed during the switch (no replica confirmed them) and were pushed again; the worker (pid \(worker.pid)) kept running; conveyor push --count \(cliJobs) across the switch: \(cliResult.summary), \(cliRecorded) recorded")
        await producerBackend.close()
        await oldMaster.close()
        await newMaster.close()
        return outcome
    }

    /// What `conveyor push` said: exit 0 with everything pushed, exit 1 with "Pushed X of N", or exit 1
    /// before pushing anything because it connected while the sentinels were replacing the master.
    private func cliOutcome(_ cli: ChildProcess, environment: ChaosEnvironment) async throws -> (pushed: Int, summary: String) {
        let status = try await environment.exitStatus(of: cli, timeout: 120)
        let result = await cli.finish()
        if status == 0 { return (cliJobs, "exit 0, all pushed") }
        if status == 1, !result.errors.contains("Pushed "), result.errors.contains("a failover under way is replacing") {
            return (0, "exit 1 before pushing: it connected while the sentinels were replacing the master")
        }
        guard status == 1, let range = result.errors.range(of: #"Pushed (\d+) of \#(cliJobs) jobs"#, options: .regularExpression) else {
            throw ChaosError("conveyor push exited with \(status) without saying how many jobs it pushed: \(result.errors)")
        }
        let pushed = Int(result.errors[range].split(separator: " ")[1]) ?? 0
        return (pushed, "exit 1, reported \(pushed) of \(cliJobs) pushed")
    }
}
