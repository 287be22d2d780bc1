@testable import Conveyor
import ConveyorSupport
import Foundation
import Testing

/// The worker's threads time their own sleeps (`LoopExecutor.sleep(for:)`), so that a heartbeat, a
/// shutdown limit or a job's timeout never waits for Swift's global pool.
@Suite("A loop thread's own clock")
struct LoopExecutorSleepTests {
    @Test("sleeps on a loop thread end after their time, in the order of their deadlines, on that thread")
    func sleepsEndInDeadlineOrder() async throws {
        let loop = LoopExecutor(name: "sleep-test")
        let other = LoopExecutor(name: "sleep-test-2")
        defer {
            loop.shutdown()
            other.shutdown()
        }
        let ended = Locked<[(name: String, after: Double, onItsLoop: Bool)]>([])
        let started = MonotonicClock.now()
        let long = Task(executorPreference: loop) {
            try await LoopExecutor.sleep(for: .milliseconds(1500))
            ended.withLock { $0.append(("long", MonotonicClock.now() - started, loop.isCurrent)) }
        }
        // From another loop thread, 50 ms later by that thread's clock, while `loop` already waits for
        // the long sleep: `loop` must time its wait again for the short one. Nothing here waits for
        // Swift's global pool, so a loaded machine cannot reorder the two.
        let short = Task(executorPreference: other) {
            try await other.sleep(seconds: 0.05)
            try await loop.sleep(seconds: 0.1)
            ended.withLock { $0.append(("short", MonotonicClock.now() - started, other.isCurrent)) }
        }
        try await long.value
        try await short.value
        let results = ended.withLock { $0 }
        #expect(results.map(\.name) == ["short", "long"])
        #expect(results.allSatisfy { $0.onItsLoop })
        // Well before the long one's end: had `loop` not timed its wait again, both would end at 1.5 s.
        #expect(results[0].after >= 0.15 && results[0].after < 1.2, "the 100 ms sleep, added at 50 ms, ended at \(results[0].after) s")
        #expect(results[1].after >= 1.5, "the 1.5 s sleep ended at \(results[1].after) s")
    }

    @Test("a cancelled sleep ends at once with CancellationError, as Task.sleep does; one in a cancelled task never starts")
    func cancelledSleepsEndAtOnce() async throws {
        let loop = LoopExecutor(name: "sleep-test")
        defer { loop.shutdown() }
        let sleeping = Task(executorPreference: loop) { () async throws -> Double in
            let started = MonotonicClock.now()
            do {
                try await LoopExecutor.sleep(for: .seconds(60))
            } catch is CancellationError {
                return MonotonicClock.now() - started
            }
            return .infinity
        }
        try await Task.sleep(for: .milliseconds(100))
        sleeping.cancel()
        let slept = try await sleeping.value
        #expect(slept < 5, "a cancelled 60 s sleep took \(slept) s to end")

        let alreadyCancelled = Task(executorPreference: loop) { () async -> Bool in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                try await LoopExecutor.sleep(for: .seconds(60))
                return false
            } catch {
                return error is CancellationError
            }
        }
        #expect(await alreadyCancelled.value)
    }

    @Test("off a loop thread the sleep is Task.sleep's")
    func offTheLoopItIsTaskSleep() async throws {
        #expect(LoopExecutor.current == nil)
        let started = MonotonicClock.now()
        try await LoopExecutor.sleep(for: .milliseconds(50))
        #expect(MonotonicClock.now() - started >= 0.05)
    }
}

extension LoopExecutorSleepTests {
    @Test("hundreds of sleeps ended early (the jobs' timeouts, mostly) leave the others' order and timing intact")
    func manyCancelledSleeps() async throws {
        let loop = LoopExecutor(name: "sleep-test")
        defer { loop.shutdown() }
        let cancelled = (0..<500).map { _ in
            Task(executorPreference: loop) { try await LoopExecutor.sleep(for: .seconds(60)) }
        }
        let ended = Locked<[Int]>([])
        let milliseconds = [180, 20, 140, 60, 100, 40, 160, 80, 120, 200].map { $0 + 100 }
        let sleepers = milliseconds.map { duration in
            Task(executorPreference: loop) {
                try await LoopExecutor.sleep(for: .milliseconds(duration))
                ended.withLock { $0.append(duration) }
            }
        }
        for task in cancelled { task.cancel() }
        for task in cancelled {
            await #expect(throws: CancellationError.self) { try await task.value }
        }
        for task in sleepers { try await task.value }
        #expect(ended.withLock { $0 } == milliseconds.sorted())
    }
}
