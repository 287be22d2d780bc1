import Logging
import Synchronization

extension LogSettings {
    /// Makes these settings the process's logging: every `Logger` created from now on writes to
    /// standard error in ``format``, at ``level`` and above.
    ///
    /// swift-log allows one bootstrap per process and traps on a second; here the first call wins and
    /// later ones do nothing, so a command may reach this from more than one path.
    public func bootstrap() {
        guard Self.hasBootstrapped.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let settings = self
        LoggingSystem.bootstrap { label in settings.makeHandler(label: label) }
    }

    /// A handler for a logger labelled `label`, with these settings, writing to standard error.
    public func makeHandler(label: String) -> any LogHandler {
        switch format {
        case .text:
            // As before this setting existed: swift-log's own lines on standard error.
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }

    private static let hasBootstrapped = Atomic(false)
}
