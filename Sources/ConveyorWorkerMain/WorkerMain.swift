import Conveyor
#if canImport(Glibc)
import Glibc
#endif

/// Everything `conveyor-worker` is, around your own jobs: every flag, `REDIS_URL`, logging, signal
/// handling (SIGINT/SIGTERM drain, a second signal stops at once, a third exits, SIGTSTP quiets) and exit codes (0 on a
/// clean stop, 1 when the worker cannot work, 64 on bad arguments). A worker executable is three lines:
///
/// ```swift
/// import ConveyorWorkerMain
///
/// @main struct MyWorker { static func main() async { await WorkerMain.run(registry: .myJobs) } }
/// ```
///
/// `my-worker --help` then lists your job classes, and `my-worker --queue mail --concurrency 20` runs them.
public enum WorkerMain {
    /// Runs a worker process for the jobs of `registry` until it is stopped, then exits the process
    /// with the worker's status. `jobHelp` describes the jobs in `--help`; by default their class names
    /// are listed. `middleware` runs around every job, in order (see ``JobMiddleware``).
    public static func run(registry: JobRegistry, middleware: [any JobMiddleware] = [], jobHelp: String? = nil) async -> Never {
        await run(jobHelp: jobHelp ?? listing(registry), middleware: middleware) { _ in registry }
    }

    /// Runs a worker process whose handlers need what the command line set up, such as the worker's
    /// Redis connection (``WorkerContext/redis``): `makeRegistry` is called once, after the arguments
    /// are parsed and Redis answered, before the first job is fetched.
    public static func run(
        jobHelp: String, middleware: [any JobMiddleware] = [], makeRegistry: @escaping @Sendable (WorkerContext) -> JobRegistry
    ) async -> Never {
        WorkerSetup.current.withLock { $0 = WorkerSetup(jobHelp: jobHelp, makeRegistry: makeRegistry, middleware: middleware) }
        await WorkerCommand.main()
        exit(0)
    }

    /// The `--help` line for a registry: its job classes.
    static func listing(_ registry: JobRegistry) -> String {
        let names = registry.classNames.sorted()
        return names.isEmpty ? "This worker knows no job classes." : "Jobs: " + names.joined(separator: ", ") + "."
    }
}
