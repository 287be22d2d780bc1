import ConveyorSupport
import Logging

/// Says the backend failures of one worker activity (fetching, the heartbeat, recovery, …) at the right
/// volume: a transient failure once per outage, as a warning; a lasting or fatal one as an error, again
/// every `repeatInterval` seconds while it lasts, so a worker that cannot do its work never idles in
/// silence; and once more when the activity works again.
final class BackendFaultLog: Sendable {
    private struct State {
        var isFailing = false
        var lastErrorAt = -Double.infinity
        var failuresSinceLastError = 0
    }

    private let activity: String
    private let logger: Logger
    private let repeatInterval: Double
    private let state = Locked(State())

    /// `activity` completes "… failed", e.g. "Fetching jobs".
    init(activity: String, logger: Logger, repeatInterval: Double = 10) {
        self.activity = activity
        self.logger = logger
        self.repeatInterval = repeatInterval
    }

    /// Records a failure, logs it when due and returns its kind. `then` says what happens next
    /// ("retrying with backoff").
    @discardableResult
    func failed(_ error: any Error, then consequence: String) -> BackendFailureKind {
        // A request cut short because its own task was cancelled (the worker is shutting down) says
        // nothing about the backend: not logged, not counted as an outage.
        if error is CancellationError { return .transient }
        let kind = BackendFailureKind.of(error)
        let (shouldLog, repeats) = state.withLock { state -> (Bool, Int) in
            let now = MonotonicClock.now()
            let firstOfOutage = !state.isFailing
            state.isFailing = true
            state.failuresSinceLastError += 1
            let due = firstOfOutage || (kind != .transient && now - state.lastErrorAt >= repeatInterval)
            guard due else { return (false, 0) }
            state.lastErrorAt = now
            defer { state.failuresSinceLastError = 0 }
            return (true, state.failuresSinceLastError)
        }
        guard shouldLog else { return kind }
        var metadata: Logger.Metadata = ["error": "\(error)"]
        if repeats > 1 { metadata["failures"] = "\(repeats)" }
        switch kind {
        case .transient:
            logger.warning("\(activity) failed; \(consequence).", metadata: metadata)
        case .lasting:
            logger.error("\(activity) keeps failing, and retrying may not help until the cause is fixed; \(consequence).", metadata: metadata)
        case .fatal:
            logger.error("\(activity) failed in a way retrying cannot fix; \(consequence).", metadata: metadata)
        }
        return kind
    }

    /// Records a success, saying so when the activity had been failing.
    func succeeded() {
        let wasFailing = state.withLock { state -> Bool in
            defer { state.isFailing = false; state.failuresSinceLastError = 0; state.lastErrorAt = -Double.infinity }
            return state.isFailing
        }
        if wasFailing { logger.notice("\(activity) works again.") }
    }
}
