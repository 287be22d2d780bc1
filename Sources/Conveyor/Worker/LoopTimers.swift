import HeapModule

/// The sleeps a ``LoopExecutor`` keeps: a worker's housekeeping loops and a shutdown's limits, and on
/// the loop thread one timeout for every running job that has one, so thousands at a high
/// concurrency, most of them ended early by their job finishing.
///
/// Deadlines sit in a heap and continuations in a dictionary: adding and taking due sleeps cost
/// O(log n), and ending one early is a dictionary removal, its heap entry left behind as stale. Stale
/// entries are dropped as they reach the top, and all at once when they outnumber the live ones, so
/// the heap stays within twice the sleeps pending.
struct LoopTimers {
    typealias Continuation = UnsafeContinuation<Void, any Error>

    private struct Entry: Comparable {
        let deadline: Double
        let id: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
        }
    }

    private var deadlines = Heap<Entry>()
    private var pending: [UInt64: Continuation] = [:]
    private var staleCount = 0

    var isEmpty: Bool { pending.isEmpty }

    /// When the soonest pending sleep ends (monotonic seconds), if any.
    mutating func nextDeadline() -> Double? {
        dropStaleTop()
        return deadlines.min?.deadline
    }

    /// Adds a sleep; among equal deadlines the one added first (the lower id) ends first.
    mutating func insert(deadline: Double, id: UInt64, continuation: Continuation) {
        deadlines.insert(Entry(deadline: deadline, id: id))
        pending[id] = continuation
    }

    /// Takes the continuation of a sleep that has not ended yet (its task was cancelled).
    mutating func remove(_ id: UInt64) -> Continuation? {
        guard let continuation = pending.removeValue(forKey: id) else { return nil }
        staleCount += 1
        if staleCount > 64 && staleCount > pending.count {
            deadlines = Heap(deadlines.unordered.filter { pending[$0.id] != nil })
            staleCount = 0
        }
        return continuation
    }

    /// Moves the continuations of the sleeps that end by `now` to `due`, soonest first.
    mutating func takeDue(at now: Double, into due: inout [Continuation]) {
        while let soonest = deadlines.min, soonest.deadline <= now {
            deadlines.removeMin()
            if let continuation = pending.removeValue(forKey: soonest.id) {
                due.append(continuation)
            } else {
                staleCount -= 1
            }
        }
    }

    private mutating func dropStaleTop() {
        while let soonest = deadlines.min, pending[soonest.id] == nil {
            deadlines.removeMin()
            staleCount -= 1
        }
    }
}
