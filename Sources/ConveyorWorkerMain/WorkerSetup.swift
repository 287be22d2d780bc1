import Conveyor
import ConveyorSupport

/// What ``WorkerMain`` hands the command. ArgumentParser creates the command value itself from the
/// arguments, so the registry and help text reach it through this process-wide value, set once before
/// parsing starts.
struct WorkerSetup: Sendable {
    let jobHelp: String
    let makeRegistry: @Sendable (WorkerContext) -> JobRegistry

    static let current = Locked<WorkerSetup?>(nil)
}
