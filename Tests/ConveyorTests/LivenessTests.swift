import Conveyor
import ConveyorSupport
import ConveyorTestKit
import Foundation
import Testing

/// Liveness, recovery and shutdown rules of issue "Never trap, never strand, never steal", on the
/// in-memory backend (the Redis side is in ConveyorRedisTests and scripts/chaos).
@Suite("Worker liveness, recovery and shutdown on the in-memory backend")
struct LivenessTests {
    @Test("a handler that blocks the loop thread does not stop the heartbeat: its job is not recovered while it runs")
    func blockedLoopThreadKeepsLease() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        let started = Locked(false)
        registry.register(className: "Compute") { _, _ in
            started.withLock { $0 = true }
            // CPU-bound work that never yields: holds the loop thread for 2.5 s.
            let until = MonotonicClock.now() + 2.5
            while MonotonicClock.now() < until {}
        }
        try await Producer(backend: backend).push(className: "Compute")
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(
            heartbeatInterval: .milliseconds(100), recoveryInterval: .seconds(60), recoveryPolicy: RecoveryPolicy(staleHeartbeatAge: .milliseconds(800))
        ))
        let run = Task { try await worker.runUntilIdle() }
        try await waitFor("the job started") { started.withLock { $0 } }
        // Another worker's recovery passes during the 2.5 s: a lease of 0.8 s must stay renewed.
        var stolen = 0
        let until = MonotonicClock.now() + 2.2
        while MonotonicClock.now() < until {
            stolen += try await backend.recoverOrphanedJobs().total
            try await Task.sleep(for: .milliseconds(50))
        }
        try await run.value
        #expect(stolen == 0, "recovery took \(stolen) jobs from a live worker whose loop thread was busy")
        #expect(backend.statisticsSnapshot.processed == 1)
    }

    @Test("recovery runs at its own interval, however long the heartbeat interval is")
    func recoveryIndependentOfHeartbeat() async throws {
        let backend = InMemoryBackend()
        try await Producer(backend: backend).push(className: "Noop")
        // A worker that died holding the job: it never beat, so it holds no lease.
        let orphaned = try await fetchOnThread(backend, owner: "dead-host:1:0", queues: ["default"], maximum: 1, timeout: 0.1)
        #expect(orphaned.count == 1)
        var registry = JobRegistry()
        registry.register(className: "Noop") { _, _ in }
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(
            heartbeatInterval: .seconds(30), recoveryInterval: .milliseconds(100), recoveryPolicy: RecoveryPolicy(staleHeartbeatAge: .seconds(90))
        ))
        let run = Task { try await worker.run() }
        // The startup pass may have taken it already; push a second orphan after startup to be sure.
        try await waitFor("the worker started") { try await backend.liveProcessCount() == 1 }
        try await Producer(backend: backend).push(className: "Noop")
        _ = try await fetchOnThread(backend, owner: "dead-host:2:0", queues: ["default"], maximum: 1, timeout: 0.1)
        try await waitFor("both orphans ran", timeout: 5) { backend.statisticsSnapshot.processed == 2 }
        worker.stop()
        try await run.value
    }

    @Test("a graceful stop waits its timeout, cancels the rest; jobs whose handlers ignore cancellation stay in the private list for recovery, never run twice at once")
    func gracefulStopLeavesStubbornJobsForRecovery() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        let started = Locked(0)
        registry.register(className: "Long") { _, _ in
            started.withLock { $0 += 1 }
            // Ignores cancellation (as a call into a library that knows no cancellation does) without
            // holding the loop thread.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 10) { continuation.resume() }
            }
        }
        try await Producer(backend: backend).pushBulk((0..<3).map { _ in Job(className: "Long") })
        // A short fetch timeout: the consumer, blocked on the empty queue, would otherwise see the stop
        // only after its 2 s fetch, and on a loaded machine that ate most of the 5 s grace this test
        // times; the shutdown's own steps are what it checks.
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(shutdownTimeout: .seconds(1), fetchTimeout: .milliseconds(100)))
        let run = Task { try await worker.run() }
        try await waitFor("the jobs started") { started.withLock { $0 } == 3 }
        let stoppedAt = MonotonicClock.now()
        worker.stop()
        try await run.value
        let elapsed = MonotonicClock.now() - stoppedAt
        #expect(elapsed >= 0.9 && elapsed < 1 + Worker.shutdownGrace + 2, "the shutdown took \(elapsed) s with a 1 s timeout")
        // Still running when the worker gave up on them: pushing them back would let another worker run
        // them alongside. They wait in the private list, and the worker's lease is gone.
        #expect(backend.statisticsSnapshot.queues["default"] ?? 0 == 0)
        #expect(backend.statisticsSnapshot.inProgress == 3)
        let recovered = try await backend.recoverOrphanedJobs()
        #expect(recovered.total == 3 && backend.statisticsSnapshot.queues["default"] == 3, "\(recovered)")
    }

    @Test("while other work holds every thread of Swift's global pool, the worker keeps beating, and a stop ends within its limits")
    func livenessWhileThePoolIsHeld() async {
        // In a process of its own: holding the pool here would stall every other test. A failure's
        // exit status names the step that failed (`PoolHeldScenario.Step`).
        await #expect(processExitsWith: .success) {
            await PoolHeldScenario.run()
        }
    }

    @Test("a worker that lost its lease says so on its next beat")
    func lostLeaseIsReported() async throws {
        let backend = InMemoryBackend()
        let first = try await backend.beat(WorkerHeartbeat(identity: "w", info: [:], busy: 0, isQuiet: false, residentKilobytes: 0, runningJobs: [:], leaseDuration: 30, isFirst: true))
        #expect(!first.hadLostLease)
        backend.expireLease(of: "w")
        let second = try await backend.beat(WorkerHeartbeat(identity: "w", info: [:], busy: 0, isQuiet: false, residentKilobytes: 0, runningJobs: [:], leaseDuration: 30))
        #expect(second.hadLostLease)
    }

    @Test("the registry entry lives at least as long as the lease: a 300 s stale-after keeps a 300 s entry")
    func registryOutlivesLease() {
        let heartbeat = { (lease: Double) in
            WorkerHeartbeat(identity: "w", info: [:], busy: 0, isQuiet: false, residentKilobytes: 0, runningJobs: [:], leaseDuration: lease)
        }
        #expect(heartbeat(30).timeToLive == 60)
        #expect(heartbeat(300).timeToLive == 300)
        #expect(heartbeat(0.5).timeToLive == 60)
        #expect(heartbeat(1e300).timeToLive == Int(Int32.max))
    }

    func waitFor(_ what: String, timeout: Double = 10, _ condition: () async throws -> Bool) async throws {
        let deadline = MonotonicClock.now() + timeout
        while try await !condition() {
            guard MonotonicClock.now() < deadline else { throw TestKitError("\(what) did not happen within \(timeout) s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

@Suite("Recovery decisions")
struct RecoveryDecisionTests {
    let policy = RecoveryPolicy(maximumRecoveries: 3)

    @Test("a job's first recovery counts it, whether or not it was marked as started")
    func firstRecoveryCounts() throws {
        let payload = Job(className: "A").serialized()
        guard case .requeue(let rewritten) = RecoveryDecision.decide(payload: payload, wasStarted: false, policy: policy, now: 1) else {
            Issue.record("the first recovery buried the job"); return
        }
        #expect(try Job(json: rewritten).fields[RecoveryDecision.countField] == 1)
    }

    @Test("a suspect that never started is requeued byte for byte, not counted again")
    func unstartedSuspectIsSpared() {
        let payload = Array(#"{"class":"A","args":[],"jid":"j","queue":"default","recovery_count":3}"#.utf8)
        #expect(RecoveryDecision.decide(payload: payload, wasStarted: false, policy: policy, now: 1) == .requeue(payload: payload))
    }

    @Test("a started suspect past the maximum is buried as a poison pill")
    func startedSuspectIsBuried() throws {
        let payload = Array(#"{"class":"A","args":[],"jid":"j","queue":"default","recovery_count":3}"#.utf8)
        guard case .bury(let buried) = RecoveryDecision.decide(payload: payload, wasStarted: true, policy: policy, now: 1) else {
            Issue.record("a started suspect with 3 recoveries was not buried"); return
        }
        let job = try Job(json: buried)
        #expect(job.fields["error_class"] == "Conveyor::PoisonPill")
        #expect(job.fields[RecoveryDecision.countField] == 3)
    }

    @Test("recovery counts at the edge of Int and beyond do not trap", arguments: [
        "9223372036854775807", "9223372036854775808", "1e400", "-1e400", "-0", "-9223372036854775808", "1.5",
    ])
    func extremeCounts(count: String) {
        let payload = Array(#"{"class":"A","args":[],"jid":"j","queue":"default","recovery_count":\#(count)}"#.utf8)
        for wasStarted in [false, true] {
            switch RecoveryDecision.decide(payload: payload, wasStarted: wasStarted, policy: policy, now: 1) {
            case .requeue, .bury: break
            }
        }
        #expect(RecoveryDecision.isSuspect(try! Job(json: payload)) == ["9223372036854775807", "9223372036854775808", "1e400", "1.5"].contains(count))
    }
}
