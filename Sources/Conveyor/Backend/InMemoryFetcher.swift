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
            for queue in queues where !state.pausedQueues.contains(queue) {
                while fetched.count < maximum, let payload = state.queues[queue]?.popFirst() {
                    state.privateLists[.init(owner: owner, queue: queue), default: []].append(payload)
                    fetched.append(FetchedJob(queue: queue, payload: payload, owner: owner))
                }
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
