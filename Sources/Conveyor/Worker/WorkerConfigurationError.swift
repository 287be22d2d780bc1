/// A worker setting outside what a worker can run with, refused by ``WorkerConfiguration``'s
/// initializer (and so by `conveyor-worker`'s flags, which build one).
public struct WorkerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The settings that can be refused, named as in ``WorkerConfiguration``.
    public enum Setting: String, Sendable, Equatable {
        case queues, concurrency, shutdownTimeout, heartbeatInterval, recoveryInterval
        case scheduledPollInterval, staleHeartbeatAge, retryDelayOverride
    }

    /// The setting refused.
    public let setting: Setting
    /// What it must be, completing "SETTING …", e.g. "must be from 1 to 10000 …".
    public let rule: String

    public var description: String { "\(setting.rawValue) \(rule)" }
}
