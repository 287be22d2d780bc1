import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM handling: the first asks the worker to stop gracefully, a second exits at once.
/// SIGTSTP makes the worker quiet (stop fetching, finish running jobs, stay up), as in Sidekiq, instead
/// of suspending the process. Dispatch sources deliver the signals on a queue, outside the async runtime
/// and the worker's threads.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(logger: Logger, onQuiet: @escaping @Sendable () -> Void, onFirstSignal: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "conveyor-signals")
        let received = ReceivedCount()
        signal(SIGTSTP, SIG_IGN)
        let quiet = DispatchSource.makeSignalSource(signal: SIGTSTP, queue: queue)
        quiet.setEventHandler {
            logger.info("SIGTSTP received: quiet, no more fetching; running jobs finish (send SIGTERM to stop).")
            onQuiet()
        }
        quiet.resume()
        sources = [quiet] + [SIGINT, SIGTERM].map { number in
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
