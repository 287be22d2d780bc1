import Conveyor
import ConveyorSupport

/// Runs a blocking fetch on a thread of its own and awaits it, so tests never block Swift's
/// cooperative pool (the fetcher is made, used and closed on that one thread, as the worker does).
public func fetchOnThread(
    _ backend: any JobBackend, owner: String, queues: [String], maximum: Int, timeout: Double
) async throws -> [FetchedJob] {
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[FetchedJob], any Error>, Never>) in
        // Resumed exactly once, by the thread, when the fetch returns or throws.
        _ = NamedThread.start(name: "test-fetch") {
            continuation.resume(returning: Result {
                let fetcher = try backend.makeFetcher(owner: owner, queues: queues)
                defer { fetcher.close() }
                return try fetcher.fetch(from: queues, maximum: maximum, timeout: timeout)
            })
        }
    }
    return try result.get()
}
