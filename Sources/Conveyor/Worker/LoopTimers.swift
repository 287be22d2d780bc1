/// The sleeps a ``LoopExecutor`` keeps, soonest first. They are few (a worker's housekeeping loops,
/// a shutdown's limits, the timeouts of running jobs), so a sorted array serves.
struct LoopTimers {
    typealias Continuation = UnsafeContinuation<Void, any Error>

    private var entries: [(deadline: Double, id: UInt64, continuation: Continuation)] = []

    var isEmpty: Bool { entries.isEmpty }

    /// When the soonest sleep ends (monotonic seconds), if any.
    var nextDeadline: Double? { entries.first?.deadline }

    /// Adds a sleep; among equal deadlines the earlier one added ends first.
    mutating func insert(deadline: Double, id: UInt64, continuation: Continuation) {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].deadline <= deadline { low = middle + 1 } else { high = middle }
        }
        entries.insert((deadline, id, continuation), at: low)
    }

    /// Takes the continuation of a sleep that has not ended yet (its task was cancelled).
    mutating func remove(_ id: UInt64) -> Continuation? {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
        return entries.remove(at: index).continuation
    }

    /// Moves the continuations of the sleeps that end by `now` to `due`, soonest first.
    mutating func takeDue(at now: Double, into due: inout [Continuation]) {
        let count = entries.prefix { $0.deadline <= now }.count
        guard count > 0 else { return }
        due.append(contentsOf: entries[..<count].map(\.continuation))
        entries.removeFirst(count)
    }
}
