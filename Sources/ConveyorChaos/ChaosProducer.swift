import Conveyor
import Synchronization

/// The producer of the scenarios that break Redis under a running push: chunks with a short pause,
/// each pushed again with the same jids until Redis acknowledges it, as an application would. Only
/// acknowledged chunks count as pushed.
final class ChaosProducer: Sendable {
    private struct Progress {
        var acknowledged: [String] = []
        var failedAttempts = 0
    }

    private let backend: any JobBackend
    private let chunk: Int
    private let pause: Duration
    private let progress = Mutex(Progress())

    init(backend: any JobBackend, chunk: Int = 50, pause: Duration = .milliseconds(5)) {
        self.backend = backend
        self.chunk = chunk
        self.pause = pause
    }

    /// The jids of every chunk Redis acknowledged so far.
    var acknowledged: [String] { progress.withLock { $0.acknowledged } }
    /// How many chunk pushes failed (and were tried again).
    var failedAttempts: Int { progress.withLock { $0.failedAttempts } }

    /// Pushes `jobs` chunk by chunk until each is acknowledged; returns when all are.
    func push(_ jobs: [Job]) async throws {
        for start in stride(from: 0, to: jobs.count, by: chunk) {
            let slice = Array(jobs[start..<min(start + chunk, jobs.count)])
            while true {
                do {
                    try await Producer(backend: backend).pushBulk(slice)
                    progress.withLock { $0.acknowledged += slice.map(\.jid) }
                    break
                } catch {
                    progress.withLock { $0.failedAttempts += 1 }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            try await Task.sleep(for: pause)
        }
    }
}
