import Conveyor
import ConveyorSupport

/// What ``WorkerMain`` hands the command. ArgumentParser creates the command value itself from the
/// arguments, so the registry and help text reach it through this process-wide value, set once before
/// parsing starts.
struct WorkerSetup: Sendable {
    let jobHelp: String
    let makeRegistry: @Sendable (WorkerContext) -> JobRegistry
    /// The app's own run middleware, innermost after the ones the flags add.
    let middleware: [any JobMiddleware]

    static let current = Locked<WorkerSetup?>(nil)
}
