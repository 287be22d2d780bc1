@testable import Conveyor
import ConveyorSupport
import Foundation
import Testing

/// The consumer fetches ahead of the free slots while jobs finish fast, and never when they are slow;
/// the jobs it fetches ahead wait in the runners' inbox, which runs no more than the concurrency.
@Suite("Fetching ahead of the free slots")
struct PrefetchTests {
    @Test("nothing is fetched ahead before any job has finished")
    func nothingAtFirst() {
        var allowance = PrefetchAllowance(limit: 25)
        #expect(allowance.jobs == 0)
        allowance.noteFetch(seconds: 0.0003)
        allowance.noteFinished(0, at: 1.0)
        #expect(allowance.jobs == 0)
    }

    @Test("fast jobs: as many as finish during two fetches, capped at the concurrency")
    func fastJobs() {
        // 50,000 jobs a second, 0.3 ms a fetch: 15 jobs finish during one.
        var allowance = Self.allowance(limit: 100, finished: 500, over: 0.01, fetchSeconds: 0.0003)
        #expect(allowance.jobs == 30)
        allowance.noteFinished(1_500, at: 1.02)  // 100,000 a second now: the blend is 75,000
        #expect(allowance.jobs == 45)
        #expect(Self.allowance(limit: 25, finished: 500, over: 0.01, fetchSeconds: 0.0003).jobs == 25)
    }

    @Test("slow jobs: nothing fetched ahead, so no job waits on a busy worker")
    func slowJobs() {
        // 50 jobs a second.
        #expect(Self.allowance(limit: 25, finished: 5, over: 0.1, fetchSeconds: 0.0003).jobs == 0)
    }

    /// An allowance that read `finished` jobs finished over `seconds` (from 1.0), then one fetch.
    private static func allowance(limit: Int, finished: Int, over seconds: Double, fetchSeconds: Double) -> PrefetchAllowance {
        var allowance = PrefetchAllowance(limit: limit)
        allowance.noteFinished(0, at: 1.0)
        allowance.noteFinished(finished, at: 1.0 + seconds)
        allowance.noteFetch(seconds: fetchSeconds)
        return allowance
    }

    @Test("a blocking fetch's wait is not taken for its round trip, and an idle spell resets the rate")
    func blockingFetchAndIdleSpell() {
        var allowance = PrefetchAllowance(limit: 1_000)
        allowance.noteFinished(0, at: 1.0)
        allowance.noteFinished(100, at: 1.01)  // 10,000 a second
        allowance.noteFetch(seconds: 2.0)      // waited on an empty queue: left out
        #expect(allowance.jobs == 0)
        allowance.noteFetch(seconds: 0.004)
        #expect(allowance.jobs == 80)
        allowance.noteFinished(101, at: 3.0)   // then idle for two seconds
        #expect(allowance.jobs == 0)
    }

    @Test("slots beyond the concurrency count as free only as far as the prefetch allows")
    func freeSlotsWithPrefetch() {
        let inFlight = InFlightJobs(concurrency: 4)
        for index in 0..<4 { _ = inFlight.add(FetchedJob(queue: "default", payload: Array("\(index)".utf8), owner: "w"), job: nil) }
        #expect(inFlight.waitForFreeSlots(prefetch: 3) == 3)
        _ = inFlight.add(FetchedJob(queue: "default", payload: Array("4".utf8), owner: "w"), job: nil)
        #expect(inFlight.waitForFreeSlots(prefetch: 3) == 2)
        inFlight.stop()
        #expect(inFlight.waitForFreeSlots(prefetch: 3) == 0)
    }

    @Test("jobs handed over beyond the concurrency wait in the inbox: never more run at once")
    func inboxBeyondConcurrency() async throws {
        let (inFlight, executor, gate, runners) = gatedRunners(concurrency: 2)
        defer { executor.shutdown() }
        #expect(start(Self.fetched(6), on: runners))
        #expect(inFlight.count == 6)

        var finished = 0
        while finished < 6 {
            try await gate.waitUntilRunning(atLeast: min(2, 6 - finished))
            #expect(gate.runningCount <= 2)
            gate.releaseOne()
            finished += 1
        }
        try await waitUntil { inFlight.count == 0 }
        #expect(gate.peak == 2)
        #expect(gate.ranCount == 6)
        runners.close()
    }

    @Test("once the worker stops fetching, jobs waiting for a runner are handed back, and no batch is taken")
    func waitingJobsHandedBackOnQuiet() async throws {
        let (inFlight, executor, gate, runners) = gatedRunners(concurrency: 1)
        defer { executor.shutdown() }
        let fetched = Self.fetched(4)
        #expect(start(fetched, on: runners))
        try await gate.waitUntilRunning(atLeast: 1)

        inFlight.quiet()
        #expect(!start(Self.fetched(1), on: runners))
        let waiting = runners.takeWaiting()
        #expect(waiting.map(\.fetched.payload) == fetched.dropFirst().map(\.payload))
        // Their slots stay held until the caller has pushed them back.
        #expect(inFlight.count == 4)
        for item in waiting { inFlight.finish(item.slot) }
        #expect(inFlight.count == 1)

        gate.releaseOne()
        try await waitUntil { inFlight.count == 0 }
        #expect(gate.ranCount == 1)
        runners.close()
    }

    /// Runners whose every run waits at the gate until the test releases it.
    private func gatedRunners(concurrency: Int) -> (InFlightJobs, LoopExecutor, JobGate, JobRunners) {
        let inFlight = InFlightJobs(concurrency: concurrency)
        let executor = LoopExecutor(name: "prefetch-test")
        let gate = JobGate()
        let runners = JobRunners(inFlight: inFlight, executor: executor) { item, _ in
            await gate.run(item.slot)
        }
        return (inFlight, executor, gate, runners)
    }

    private static func fetched(_ count: Int) -> [FetchedJob] {
        (0..<count).map { FetchedJob(queue: "default", payload: Array("{\"n\":\($0)}".utf8), owner: "w") }
    }

    /// Hands `jobs` over as the consumer does; the payloads are never read, as the gate ignores them.
    private func start(_ jobs: [FetchedJob], on runners: JobRunners) -> Bool {
        runners.start(jobs, parsed: jobs.map { _ in .failure(.notAnObject) })
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = MonotonicClock.now() + 10
        while !condition() {
            guard MonotonicClock.now() < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Holds each run until the test releases it, counting how many run at once.
private final class JobGate: Sendable {
    private struct State {
        var waiting: [CheckedContinuation<Void, Never>] = []
        var running = 0
        var peak = 0
        var ran = 0
    }

    private let state = Locked(State())

    func run(_ slot: Int) async {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                state.running += 1
                state.ran += 1
                state.peak = max(state.peak, state.running)
                state.waiting.append(continuation)
            }
        }
        state.withLock { $0.running -= 1 }
    }

    func releaseOne() {
        let next = state.withLock { state in state.waiting.isEmpty ? nil : state.waiting.removeFirst() }
        next?.resume()
    }

    var runningCount: Int { state.withLock { $0.running } }
    var peak: Int { state.withLock { $0.peak } }
    var ranCount: Int { state.withLock { $0.ran } }

    /// Waits for at least `count` runs to be held; the runners take jobs on their own thread.
    func waitUntilRunning(atLeast count: Int) async throws {
        let deadline = MonotonicClock.now() + 10
        while state.withLock({ $0.waiting.count }) < count {
            guard MonotonicClock.now() < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
