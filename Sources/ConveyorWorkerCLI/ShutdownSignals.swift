import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM handling: the first asks the worker to stop gracefully, a second exits at once.
/// Dispatch sources deliver the signals on a queue, outside the async runtime and the worker's threads.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(logger: Logger, onFirstSignal: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "conveyor-signals")
        let received = ReceivedCount()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                if received.increment() == 1 {
                    logger.info("\(name) received: shutting down gracefully (send it again to exit at once).")
                    onFirstSignal()
                } else {
                    logger.warning("\(name) received again: exiting now; unfinished jobs stay in the private list for recovery.")
                    exit(1)
                }
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}

/// A counter touched only on the signal queue.
private final class ReceivedCount: @unchecked Sendable {
    // Safe: only the serial `conveyor-signals` queue calls `increment`.
    private var count = 0
    func increment() -> Int {
        count += 1
        return count
    }
}
