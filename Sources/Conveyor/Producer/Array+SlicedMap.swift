import Foundation

extension Array where Element: Sendable {
    /// `map`, run in contiguous slices on up to one task per core once the array holds at least two
    /// slices of `minimumSlice` elements; smaller arrays are mapped here, in order, as `map` would.
    ///
    /// Why: checking and serializing a big bulk push is the producer's whole cost (Redis takes a
    /// fifth of it), and it runs on one core while the others idle. The results keep the input's
    /// order, and when elements throw, the error of the first of them in order is the one thrown, so
    /// callers see what a plain `map` would have shown.
    func slicedMap<Mapped: Sendable>(minimumSlice: Int, _ transform: @escaping @Sendable (Element) throws -> Mapped) async throws -> [Mapped] {
        // Small arrays (every single push) go straight to `map`, before the core count is asked for.
        guard count / 2 >= minimumSlice else { return try map(transform) }
        let sliceCount = Swift.min(CoreCount.active, count / Swift.max(1, minimumSlice))
        guard sliceCount > 1 else { return try map(transform) }
        let sliceLength = (count + sliceCount - 1) / sliceCount
        let bounds = stride(from: 0, to: count, by: sliceLength).map { $0..<Swift.min($0 + sliceLength, count) }
        var results = [Result<[Mapped], any Error>?](repeating: nil, count: bounds.count)
        await withTaskGroup(of: (Int, Result<[Mapped], any Error>).self) { group in
            for slice in 1..<bounds.count {
                let elements = self[bounds[slice]]
                // On the global pool even when called from a task with an executor preference (a
                // handler on a worker's loop thread): there the slices would run one after another.
                group.addTask(executorPreference: globalConcurrentExecutor) { (slice, Result { try elements.map(transform) }) }
            }
            // The first slice runs in this task, beside the others.
            results[0] = Result { try self[bounds[0]].map(transform) }
            for await (slice, result) in group { results[slice] = result }
        }
        var mapped: [Mapped] = []
        mapped.reserveCapacity(count)
        for result in results { mapped += try result!.get() }
        return mapped
    }
}

/// The cores this process may run on, read once: Foundation reads it from the system on every call.
private enum CoreCount {
    static let active = ProcessInfo.processInfo.activeProcessorCount
}
