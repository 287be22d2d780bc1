import ConveyorSupport

/// The jobs a worker is running: bounds how many the consumer may fetch, and hands the survivors to
/// shutdown for cancellation and requeueing.
final class InFlightJobs: Sendable {
    struct Running {
        let fetched: FetchedJob
        let job: Job?
        let startedAt: Double
        var task: Task<Void, Never>?
    }

    struct State {
        var running: [Int: Running] = [:]
        var nextID = 0
        var isStopping = false
        var isQuiet = false
        /// Stopping or quiet: no more fetching either way.
        var hasStoppedFetching: Bool { isStopping || isQuiet }
    }

    let state = ConditionLock(State())
    let concurrency: Int

    init(concurrency: Int) {
        self.concurrency = concurrency
    }

    /// Blocks the consumer thread until at least one slot is free or the worker stops fetching
    /// (stopping or quiet); returns the number of free slots, 0 when fetching is over.
    func waitForFreeSlots() -> Int {
        state.wait(until: { $0.hasStoppedFetching || $0.running.count < concurrency }, timeout: nil) { state in
            state.hasStoppedFetching ? 0 : concurrency - state.running.count
        }
    }

    /// Sleeps up to `seconds`, returning early when fetching is over; true when it is.
    func sleepUnlessStopping(_ seconds: Double) -> Bool {
        state.wait(until: { $0.hasStoppedFetching }, timeout: seconds) { $0.hasStoppedFetching }
    }

    /// Registers a job about to start and returns its slot number.
    func add(_ fetched: FetchedJob, job: Job?) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.running[id] = Running(fetched: fetched, job: job, startedAt: Clock.now())
            return id
        }
    }

    /// Remembers the task running a slot, so shutdown can cancel it.
    func attach(_ task: Task<Void, Never>, to id: Int) {
        state.withLock { state in state.running[id]?.task = task }
    }

    /// Frees a slot and wakes the consumer.
    func finish(_ id: Int) {
        state.withLockThenBroadcast { state in _ = state.running.removeValue(forKey: id) }
    }

    /// Tells the consumer to stop fetching.
    func stop() {
        state.withLockThenBroadcast { $0.isStopping = true }
    }

    /// Tells the consumer to stop fetching while running jobs finish and the worker stays up.
    func quiet() {
        state.withLockThenBroadcast { $0.isQuiet = true }
    }

    var isStopping: Bool { state.withLock { $0.isStopping } }
    var hasStoppedFetching: Bool { state.withLock { $0.hasStoppedFetching } }
    var count: Int { state.withLock { $0.running.count } }
    var snapshot: [Running] { state.withLock { Array($0.running.values) } }
}
