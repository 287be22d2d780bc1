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
        var allowance = PrefetchAllowance(limit: 100)
        allowance.noteFinished(0, at: 1.0)
        allowance.noteFinished(500, at: 1.01)  // 50,000 jobs a second
        allowance.noteFetch(seconds: 0.0003)   // 0.3 ms a fetch: 15 jobs finish during one
        #expect(allowance.jobs == 30)
        allowance.noteFinished(1_500, at: 1.02)  // 100,000 a second now: the blend is 75,000
        #expect(allowance.jobs == 45)

        var capped = PrefetchAllowance(limit: 25)
        capped.noteFinished(0, at: 1.0)
        capped.noteFinished(500, at: 1.01)
        capped.noteFetch(seconds: 0.0003)
        #expect(capped.jobs == 25)
    }

    @Test("slow jobs: nothing fetched ahead, so no job waits on a busy worker")
    func slowJobs() {
        var allowance = PrefetchAllowance(limit: 25)
        allowance.noteFinished(0, at: 1.0)
        allowance.noteFinished(5, at: 1.1)  // 50 jobs a second
        allowance.noteFetch(seconds: 0.0003)
        #expect(allowance.jobs == 0)
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
        let inFlight = InFlightJobs(concurrency: 2)
        let executor = LoopExecutor(name: "prefetch-test")
        defer { executor.shutdown() }
        let gate = JobGate()
        let runners = JobRunners(inFlight: inFlight, executor: executor) { item, _ in
            await gate.run(item.slot)
        }
        let fetched = (0..<6).map { FetchedJob(queue: "default", payload: Array("{\"n\":\($0)}".utf8), owner: "w") }
        #expect(runners.start(fetched, parsed: fetched.map { _ in .failure(.notAnObject) }))
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
        let inFlight = InFlightJobs(concurrency: 1)
        let executor = LoopExecutor(name: "prefetch-test")
        defer { executor.shutdown() }
        let gate = JobGate()
        let runners = JobRunners(inFlight: inFlight, executor: executor) { item, _ in
            await gate.run(item.slot)
        }
        let fetched = (0..<4).map { FetchedJob(queue: "default", payload: Array("{\"n\":\($0)}".utf8), owner: "w") }
        #expect(runners.start(fetched, parsed: fetched.map { _ in .failure(.notAnObject) }))
        try await gate.waitUntilRunning(atLeast: 1)

        inFlight.quiet()
        let late = [FetchedJob(queue: "default", payload: Array("{\"n\":9}".utf8), owner: "w")]
        #expect(!runners.start(late, parsed: [.failure(.notAnObject)]))
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
