import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM handling, in three steps as Celery's warm and cold shutdowns: the first asks the
/// worker to stop gracefully (running jobs get `--timeout` to finish); a second stops it at once
/// (running jobs are cancelled and pushed back to their queues, so nothing waits for recovery); a
/// third exits the process on the spot, for a stop that is itself stuck (Redis hung, a handler that
/// ignores cancellation), leaving the jobs in the private list for recovery. SIGTSTP makes the worker quiet (stop fetching, finish running jobs, stay up), as in Sidekiq, instead
/// of suspending the process. Dispatch sources deliver the signals on a queue, outside the async runtime
/// and the worker's threads.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(logger: Logger, onQuiet: @escaping @Sendable () -> Void, onFirstSignal: @escaping @Sendable () -> Void, onSecondSignal: @escaping @Sendable () -> Void) {
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
                switch received.increment() {
                case 1:
                    logger.info("\(name) received: shutting down gracefully (send it again to stop at once).")
                    onFirstSignal()
                case 2:
                    logger.warning("\(name) received again: stopping at once; running jobs are cancelled and pushed back to their queues (send it a third time to exit on the spot).")
                    onSecondSignal()
                default:
                    logger.warning("\(name) received a third time: exiting now; unfinished jobs stay in the private list for recovery.")
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
