// A team's own worker: every conveyor-worker flag, REDIS_URL, signals and exit codes, around its jobs.
// Run: swift run example-worker --queue default
import ConveyorWorkerMain

@main struct ExampleWorker { static func main() async { await WorkerMain.run(registry: .exampleJobs) } }
