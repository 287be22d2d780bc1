import ConveyorWorkerMain

/// `conveyor-worker`: ``WorkerMain`` around the built-in jobs, for smoke tests, demos and benchmarks.
@main
struct ConveyorWorker {
    static func main() async {
        await WorkerMain.run(jobHelp: BuiltInJobs.help) { context in BuiltInJobs.registry(client: context.redis) }
    }
}
