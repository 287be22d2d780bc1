import Logging

/// One ``BackendFaultLog`` per worker activity that talks to the backend, so each says its own failures
/// and recoveries.
struct WorkerFaults: Sendable {
    let fetching: BackendFaultLog
    let heartbeat: BackendFaultLog
    let recovery: BackendFaultLog
    let promotion: BackendFaultLog
    let gauges: BackendFaultLog

    init(logger: Logger) {
        fetching = BackendFaultLog(activity: "Fetching jobs", logger: logger)
        heartbeat = BackendFaultLog(activity: "The heartbeat", logger: logger)
        recovery = BackendFaultLog(activity: "Recovering dead workers' jobs", logger: logger)
        promotion = BackendFaultLog(activity: "Promoting due scheduled and retry jobs", logger: logger)
        gauges = BackendFaultLog(activity: "Reading the metrics gauges (queue and set sizes)", logger: logger)
    }
}
