import Conveyor
import ConveyorSupport
import Foundation

/// A worker whose app keeps Swift's global pool busy: every pool thread is held by blocking work
/// while the worker beats and then stops. Its housekeeping and its shutdown must not wait for the pool
/// (see `LoopExecutor.sleep(for:)`). Ends the process, with status 0 when all held, or else the
/// ``Step`` that failed (the exit test's failure shows the status; the reason goes to standard error).
/// Run it in an exit test: it stalls every task of its process.
enum PoolHeldScenario {
    /// What failed, as the process's exit status.
    enum Step: Int32 {
        case setUp = 1
        case jobsStarted = 2
        case poolHeld = 3
        case heartbeatWhileHeld = 4
        case shutdownWhileHeld = 5
        case poolHeldThroughout = 6
    }

    static func run() async -> Never {
        do {
            try await holdThePoolAroundAWorker()
            exit(0)
        } catch let failure as TestFailure {
            FileHandle.standardError.write(Data("\(failure)\n".utf8))
            exit(failure.step.rawValue)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(Step.setUp.rawValue)
        }
    }

    private static func holdThePoolAroundAWorker() async throws {
        let backend = InMemoryBackend()
        var registry = JobRegistry()
        let started = Locked(0)
        registry.register(className: "Long") { _, _ in
            started.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(60))
        }
        try await Producer(backend: backend).pushBulk((0..<2).map { _ in Job(className: "Long") })
        let worker = Worker(backend: backend, registry: registry, configuration: try WorkerConfiguration(
            shutdownTimeout: .milliseconds(300), fetchTimeout: .milliseconds(100), heartbeatInterval: .milliseconds(200)
        ), identity: "held")
        Task { try await worker.run() }
        try waitBlocking(.jobsStarted, "the jobs started", within: 10) { started.withLock { $0 } == 2 }

        // This task blocks its own pool thread from here on; the others go to holders. Twice as many
        // holders as cores: the pool may be wider than the cores this process is given, and the
        // holders that find no thread wait ahead of the probe below.
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let holders = Locked(0)
        for _ in 0..<(2 * threads) {
            Task.detached {
                holders.withLock { $0 += 1 }
                // Computing, as an app's CPU-bound work does. Holders blocked in `usleep` instead let
                // `Task.sleep` wake-ups through about 0.8 s late (the pool seems to get help when
                // its threads block); busy holders keep them out for the whole scenario.
                let until = MonotonicClock.now() + 20
                while MonotonicClock.now() < until {}
            }
        }
        try waitBlocking(.poolHeld, "the pool's threads were held", within: 10) { holders.withLock { $0 } >= threads - 1 }
        // Proof that the pool stays held: this task cannot start until the process ends.
        let probeRan = Locked(false)
        Task.detached { probeRan.withLock { $0 = true } }

        backend.expireHeartbeat(of: "held")
        // Three intervals: `Task.sleep` would wake through the held pool, seconds late.
        try waitBlocking(.heartbeatWhileHeld, "a heartbeat (200 ms interval) after the last one was dropped", within: 0.6) {
            backend.statisticsSnapshot.processes == 1
        }
        worker.stop()
        // 300 ms of shutdown timeout, then the cancelled runs push their jobs back and the heartbeat goes.
        try waitBlocking(.shutdownWhileHeld, "the cancelled jobs pushed back and the heartbeat removed after a stop", within: 1.5) {
            let statistics = backend.statisticsSnapshot
            return statistics.queues["default"] == 2 && statistics.processes == 0
        }
        guard !probeRan.withLock({ $0 }) else {
            throw TestFailure(.poolHeldThroughout, "the global pool was not held throughout: a task started on it meanwhile")
        }
    }

    /// Polls `condition` on this thread, never suspending: every other pool thread is busy.
    private static func waitBlocking(_ step: Step, _ what: String, within seconds: Double, _ condition: () -> Bool) throws {
        let deadline = MonotonicClock.now() + seconds
        while !condition() {
            guard MonotonicClock.now() < deadline else {
                throw TestFailure(step, "\(what): did not happen within \(seconds) s while the global pool was held")
            }
            usleep(10_000)
        }
    }

    private struct TestFailure: Error, CustomStringConvertible {
        let step: Step
        let description: String

        init(_ step: Step, _ description: String) {
            self.step = step
            self.description = description
        }
    }
}
