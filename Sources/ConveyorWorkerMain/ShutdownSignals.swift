import ConveyorSupport
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM handling, in three steps as Celery's warm and cold shutdowns: the first asks the
/// worker to stop gracefully (running jobs get `--timeout` to finish); a second stops it at once
/// (running jobs are cancelled and pushed back to their queues, so nothing waits for recovery); a
/// third exits the process on the spot, for a stop that is itself stuck (Redis hung, a handler that
/// ignores cancellation), leaving the jobs in the private list for recovery. SIGTSTP makes the worker
/// quiet (stop fetching, finish running jobs, stay up), as in Sidekiq, instead of suspending it.
///
/// Why `sigaction` and a self-pipe rather than Dispatch signal sources: a Dispatch source installs its
/// handler later, on Dispatch's manager thread, and until then a signal meets whatever disposition the
/// process had. A SIGTERM sent by a deploy right after start could be lost that way (with the signal
/// ignored) or kill the worker without a drain (with the default). `sigaction` is in place when
/// ``init(logger:onQuiet:onFirstSignal:onSecondSignal:)`` returns. The handler only writes the signal's
/// number to a pipe (async-signal-safe); the `conveyor-signals` thread reads it and acts, outside the
/// async runtime and the worker's threads.
final class ShutdownSignals {
    private static let handled: [Int32] = [SIGINT, SIGTERM, SIGTSTP]
    private let thread: NamedThread
    private let wakeWrite: Int32

    init(logger: Logger, onQuiet: @escaping @Sendable () -> Void, onFirstSignal: @escaping @Sendable () -> Void, onSecondSignal: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0, "pipe() failed: \(String(cString: strerror(errno)))")
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        wakeWrite = writeEnd
        signalPipeDescriptor = writeEnd
        for number in Self.handled {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                // Async-signal-safe: one write(2) of one byte; errno is restored for the interrupted code.
                let saved = errno
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeDescriptor, &byte, 1)
                errno = saved
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        thread = NamedThread.start(name: "conveyor-signals") {
            var stopRequests = 0
            while true {
                var byte: UInt8 = 0
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                // 0 is cancel()'s wake-up; a read error or end of file also ends the thread.
                if count <= 0 || byte == 0 { break }
                let number = Int32(byte)
                if number == SIGTSTP {
                    logger.info("SIGTSTP received: quiet, no more fetching; running jobs finish (send SIGTERM to stop).")
                    onQuiet()
                    continue
                }
                let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                stopRequests += 1
                switch stopRequests {
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
            close(readEnd)
        }
    }

    /// Stops handling, once the worker has stopped: later signals are ignored while the process closes
    /// its connections and exits (bounded on its own), and the thread ends.
    func cancel() {
        for number in Self.handled {
            signal(number, SIG_IGN)
        }
        var zero: UInt8 = 0
        _ = write(wakeWrite, &zero, 1)
        thread.join()
    }
}

/// The pipe's write end, read by the C signal handler, which cannot capture context. Written once,
/// before any handler is installed; a process has one worker command, so one set of handlers.
private nonisolated(unsafe) var signalPipeDescriptor: Int32 = -1
