/// Where a worker is in its life, as ``Worker/state`` reports it (for a health check, say).
///
/// ```text
/// created ──run()──▶ running ──quiet()──▶ quiet
///    │                  │                   │
///    └──────stop()──────┴───────────────────┴──▶ stopping(mode) ──▶ stopped
/// ```
///
/// A graceful stop can be cut short: ``Worker/stop(_:)`` with `.immediate` while stopping gracefully
/// moves on to `stopping(.immediate)`. Nothing leaves `stopped`.
public enum WorkerState: Sendable, Equatable, CustomStringConvertible {
    /// Made, not yet run.
    case created
    /// Fetching and running jobs.
    case running
    /// Not fetching; running jobs finish and the worker stays up until stopped (Sidekiq's quiet).
    case quiet
    /// Shutting down: no more fetching; see ``ShutdownMode`` for what happens to running jobs.
    case stopping(ShutdownMode)
    /// Shut down: the run has returned or is about to.
    case stopped

    public var description: String {
        switch self {
        case .created: "created"
        case .running: "running"
        case .quiet: "quiet"
        case .stopping(let mode): "stopping (\(mode))"
        case .stopped: "stopped"
        }
    }
}

/// How a worker shuts down.
public enum ShutdownMode: Sendable, Equatable, CustomStringConvertible {
    /// Sidekiq's shutdown: stop fetching, wait up to the shutdown timeout for running jobs, then cancel
    /// the rest and push their jobs back to the front of their queues. SIGTERM, `stop()`, and a
    /// service group's graceful shutdown.
    case graceful
    /// Cancel running jobs now and push their jobs back at once: the worker's task was cancelled.
    case immediate

    public var description: String {
        switch self {
        case .graceful: "graceful"
        case .immediate: "immediate"
        }
    }
}
