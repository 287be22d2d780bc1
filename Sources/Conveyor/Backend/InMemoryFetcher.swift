import DequeModule

/// The in-memory backend's fetcher: moves payloads from queues to the owner's private lists, waiting
/// on the backend's condition variable when every queue is empty.
final class InMemoryFetcher: JobFetcher {
    private let backend: InMemoryBackend
    private let owner: String

    init(backend: InMemoryBackend, owner: String) {
        self.backend = backend
        self.owner = owner
    }

    func fetch(from queues: [String], maximum: Int, timeout: Double) throws -> [FetchedJob] {
        guard maximum > 0 else { return [] }
        return backend.state.wait(
            until: { state in queues.contains { !state.pausedQueues.contains($0) && !(state.queues[$0]?.isEmpty ?? true) } },
            timeout: timeout
        ) { state in
            var fetched: [FetchedJob] = []
            fetched.reserveCapacity(maximum)
            for queue in queues where fetched.count < maximum && !state.pausedQueues.contains(queue) {
                guard var waiting = state.queues[queue], !waiting.isEmpty else { continue }
                // Each list is looked up once per fetch, not once per job: hashing the keys cost more
                // than moving a job. The queue is emptied meanwhile so `waiting` is its only copy.
                state.queues[queue] = Deque()
                let key = InMemoryBackend.PrivateListKey(owner: owner, queue: queue)
                var held = state.privateLists.removeValue(forKey: key) ?? []
                while fetched.count < maximum, let payload = waiting.popFirst() {
                    held.append(payload)
                    fetched.append(FetchedJob(queue: queue, payload: payload, owner: owner))
                }
                state.privateLists[key] = held
                state.queues[queue] = waiting
            }
            return fetched
        }
    }

    func heldJobs(in queues: [String]) throws -> [FetchedJob] {
        backend.state.withLock { state in
            queues.flatMap { queue in
                (state.privateLists[.init(owner: owner, queue: queue)] ?? []).map { FetchedJob(queue: queue, payload: $0, owner: owner) }
            }
        }
    }

    func close() {}
}
