/// A command an administrator sends a running worker through its `IDENTITY-signals` list, which the
/// heartbeat pops (Sidekiq's API pushes the same strings).
public enum WorkerSignal: String, Sendable, CaseIterable {
    /// `TSTP`: stop fetching, finish running jobs, stay alive and keep beating with `quiet=true`.
    case quiet = "TSTP"
    /// `TERM`: shut down gracefully, as on SIGTERM.
    case stop = "TERM"
}
