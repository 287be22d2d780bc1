/// The worker's state and the rules for moving between states, apart from any thread or backend so
/// every transition can be tested as a value. ``Worker`` keeps one under its lock.
struct WorkerLifecycle: Sendable, Equatable {
    /// The current state.
    private(set) var state: WorkerState = .created
    /// Whether ``start()`` has been called: a worker runs once, even when stopped before it started.
    private(set) var hasStarted = false
    /// When the first stop was asked for (monotonic seconds): shutdown limits count from it.
    private(set) var stopRequestedAt: Double?

    /// Marks the start of the run. A worker stopped before it started still runs its (immediate)
    /// shutdown; a second start throws.
    mutating func start() throws(WorkerError) {
        guard !hasStarted else { throw .alreadyStarted }
        hasStarted = true
        if state == .created { state = .running }
    }

    /// Moves a running worker to quiet; returns whether it did (false when already quiet or stopping).
    mutating func quiet() -> Bool {
        guard state == .running else { return false }
        state = .quiet
        return true
    }

    /// Asks for a shutdown in `mode` at monotonic time `now`; returns whether this changed the state:
    /// the first request, or an immediate one cutting a graceful shutdown short.
    mutating func stop(_ mode: ShutdownMode, at now: Double) -> Bool {
        switch state {
        case .created, .running, .quiet:
            state = .stopping(mode)
            stopRequestedAt = now
            return true
        case .stopping(.graceful) where mode == .immediate:
            state = .stopping(.immediate)
            return true
        case .stopping, .stopped:
            return false
        }
    }

    /// Marks the end of the shutdown.
    mutating func finish() {
        state = .stopped
    }

    /// Whether a stop was asked for (in any mode), or the run is over.
    var isStopRequested: Bool {
        switch state {
        case .stopping, .stopped: true
        case .created, .running, .quiet: false
        }
    }

    /// Whether running jobs are to be cancelled now rather than waited for.
    var isImmediate: Bool { state == .stopping(.immediate) }
}
