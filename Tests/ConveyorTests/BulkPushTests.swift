@testable import Conveyor
import Foundation
import Testing

/// A big bulk push is checked and serialized in slices on several tasks; what it writes and what it
/// refuses must be exactly what one pass in order would give.
@Suite("Bulk pushes checked and serialized in slices")
struct BulkPushTests {
    /// Two slices' worth and a quarter, so the batch is split on any machine with two cores or more
    /// (and stays small: these tests run beside timing-sensitive ones).
    private static let batchSize = Producer.minimumEncodingSlice * 5 / 2

    @Test("every job lands once, in the order given")
    func orderKept() async throws {
        let backend = InMemoryBackend()
        let jobs = (0..<Self.batchSize).map { Job(className: "Numbered", args: [.number(JSONNumber($0))]) }
        try await Producer(backend: backend).pushBulk(jobs)
        let queued = backend.jobs(inQueue: Job.defaultQueue)
        #expect(queued.map(\.jid) == jobs.map(\.jid))
        #expect(queued.map(\.args) == jobs.map(\.args))
        #expect(queued.allSatisfy { $0.enqueuedAt != nil })
    }

    @Test("the first bad job in order is the one reported, and nothing is pushed")
    func firstErrorInOrder() async throws {
        let backend = InMemoryBackend()
        var jobs = (0..<Self.batchSize).map { _ in Job(className: "Fine") }
        // One bad job early, another late: the late one lies in a later slice.
        jobs[Self.batchSize / 4] = Job(className: " ")
        jobs[Self.batchSize - 2] = Job(className: "Fine", queue: "a,3")
        await #expect {
            try await Producer(backend: backend).pushBulk(jobs)
        } throws: { error in
            guard case JobDecodingError.missingField(let field, _) = error else { return false }
            return field == "class"
        }
        #expect(backend.statisticsSnapshot.enqueued == 0)
        #expect(backend.jobs(inQueue: Job.defaultQueue).isEmpty)

        await #expect(throws: JobDecodingError.self) {
            try await Producer(backend: backend).pushBulk(jobs, at: Date().addingTimeInterval(3600))
        }
        #expect(backend.jobs(in: .schedule).isEmpty)
    }

    @Test("a scheduled bulk push waits in the schedule set, unstamped, in order")
    func scheduledInOrder() async throws {
        let backend = InMemoryBackend()
        let jobs = (0..<Self.batchSize).map { _ in Job(className: "Later") }
        try await Producer(backend: backend).pushBulk(jobs, at: Date().addingTimeInterval(3600))
        let scheduled = backend.jobs(in: .schedule).map(\.job)
        #expect(Set(scheduled.map(\.jid)) == Set(jobs.map(\.jid)))
        #expect(scheduled.count == jobs.count)
        #expect(scheduled.allSatisfy { $0.enqueuedAt == nil })
    }

    @Test("unique jobs in a big batch take their locks; the rest are pushed as one write")
    func uniqueAmongMany() async throws {
        let backend = InMemoryBackend()
        var jobs = (0..<Self.batchSize).map { _ in Job(className: "Plain") }
        var unique = Job(className: "Once", args: ["x"])
        unique.makeUnique(for: .seconds(60))
        jobs[Self.batchSize - 1] = unique
        var duplicate = Job(className: "Once", args: ["x"])
        duplicate.makeUnique(for: .seconds(60))
        jobs[Self.batchSize / 2] = duplicate
        try await Producer(backend: backend).pushBulk(jobs)
        let queued = backend.jobs(inQueue: Job.defaultQueue)
        // One of the two duplicates is skipped: the one met first in order holds the lock.
        #expect(queued.count == Self.batchSize - 1)
        #expect(queued.filter { $0.className == "Once" }.map(\.jid) == [duplicate.jid])
    }

    @Test("the sliced map keeps order and throws the first error in order, whatever the slices")
    func slicedMapSemantics() async throws {
        let numbers = Array(0..<10_000)
        let doubled = try await numbers.slicedMap(minimumSlice: 100) { $0 * 2 }
        #expect(doubled == numbers.map { $0 * 2 })
        struct Failure: Error, Equatable { let index: Int }
        await #expect(throws: Failure(index: 1_234)) {
            _ = try await numbers.slicedMap(minimumSlice: 100) { number in
                if number == 1_234 || number == 9_876 { throw Failure(index: number) }
                return number
            }
        }
        let small = try await [1, 2, 3].slicedMap(minimumSlice: 100) { $0 + 1 }
        #expect(small == [2, 3, 4])
    }
}
