import ConveyorSupport

/// The jobs a worker is running: bounds how many the consumer may fetch, and hands the survivors to
/// shutdown for cancellation and requeueing.
final class InFlightJobs: Sendable {
    struct Running {
        let fetched: FetchedJob
        let job: Job?
        let startedAt: Double
        /// The runner running the job, once one has taken it; cancelling it cancels the job.
        var runner: JobRunner?
        /// Set when an administrator cancelled the job (`conveyor cancel`): its run ends without a retry.
        var isCancelRequested = false
        /// The concurrency slot the job holds (limit key, holder jid), renewed with each heartbeat.
        var limitSlot: (key: String, holder: String)?
    }

    struct State {
        var running: [Int: Running] = [:]
        var nextID = 0
        var isStopping = false
        var isQuiet = false
        /// How many free slots the sleeping consumer waits for; 0 when it is not waiting.
        var consumerWaitsForFree = 0
        /// How many fetched jobs may wait for a runner beyond the concurrency (see ``PrefetchAllowance``).
        var prefetch = 0
        /// Jobs finished since the worker started, for the consumer's reading of the finishing rate.
        var finishedCount = 0
        /// Waiters for the moment no job runs.
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
        /// Waiters that an immediate stop does not release (they wait for the runs it cancelled).
        var patientEmptyWaiters: [CheckedContinuation<Void, Never>] = []
        /// Set by an immediate stop: nobody waits for running jobs any more.
        var isWaitingAbandoned = false
        /// Set when shutdown cancels the runs: a job a runner takes from now on starts cancelled.
        var isCancellingRuns = false
        /// Counts the first beat and the first recovery pass, which may let the consumer fetch.
        var mayFetchNotes = 0
        /// The job runners' inbox and bookkeeping, under this same lock (see ``RunnerInbox``).
        var runners = RunnerInbox()
        /// Stopping or quiet: no more fetching either way.
        var hasStoppedFetching: Bool { isStopping || isQuiet }

        /// Registers a job about to start and returns its slot number.
        mutating func add(_ fetched: FetchedJob, job: Job?, startedAt now: Double) -> Int {
            let id = nextID
            nextID += 1
            running[id] = Running(fetched: fetched, job: job, startedAt: now)
            return id
        }

        /// Records the runner that takes a slot's job, so shutdown and `conveyor cancel` can cancel it.
        /// A job cancelled before it started (by an administrator, or by shutdown) starts cancelled,
        /// as a task cancelled before its first step would. The runners call this as they take a job.
        mutating func begin(_ id: Int, on runner: JobRunner) {
            running[id]?.runner = runner
            if isCancellingRuns || running[id]?.isCancelRequested == true { runner.cancel() }
        }

        /// Frees a slot; what the caller does once the lock is released is in the result.
        mutating func finish(_ id: Int, concurrency: Int) -> Freed {
            running.removeValue(forKey: id)
            finishedCount &+= 1
            var freed = Freed()
            if running.isEmpty {
                swap(&freed.emptyWaiters, &emptyWaiters)
                freed.emptyWaiters += patientEmptyWaiters
                patientEmptyWaiters = []
            }
            let waited = consumerWaitsForFree
            freed.wakesConsumer = waited > 0 && concurrency + prefetch - running.count >= waited
            return freed
        }
    }

    /// What freeing a slot asks of its caller once the lock is released.
    struct Freed {
        /// Waiters for the moment no job runs, to resume: none was left running.
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
        /// Whether the consumer waits for as many free slots as there now are.
        var wakesConsumer = false
    }

    let state = ConditionLock(State())
    let concurrency: Int

    init(concurrency: Int) {
        self.concurrency = concurrency
    }

    /// Blocks the consumer thread until at least one slot is free or the worker stops fetching
    /// (stopping or quiet); returns the number of free slots, 0 when fetching is over. Up to
    /// `prefetch` slots beyond the concurrency count as free: their jobs wait in the runners' inbox,
    /// which never runs more than `concurrency` jobs at once.
    ///
    /// When fewer than a quarter of the slots are free it lingers up to `linger` seconds for more: short
    /// jobs finish in bursts, and fetching a burst in one round trip beats one round trip per freed
    /// slot. A quarter measured best with no-op jobs: larger batches leave the loop thread idle while
    /// the fetch is in flight, smaller ones pay a round trip for too few jobs.
    func waitForFreeSlots(prefetch: Int = 0, linger: Double = 0.0005) -> Int {
        let free = waitUntilFree(atLeast: 1, prefetch: prefetch, timeout: nil)
        let enough = max(1, concurrency / 4)
        guard free > 0, free < enough else { return free }
        return waitUntilFree(atLeast: enough, prefetch: prefetch, timeout: linger)
    }

    private func waitUntilFree(atLeast wanted: Int, prefetch: Int, timeout: Double?) -> Int {
        state.withLock { state in
            state.consumerWaitsForFree = wanted
            state.prefetch = prefetch
        }
        return state.wait(until: { $0.hasStoppedFetching || concurrency + $0.prefetch - $0.running.count >= wanted }, timeout: timeout) { state in
            state.consumerWaitsForFree = 0
            return state.hasStoppedFetching ? 0 : concurrency + state.prefetch - state.running.count
        }
    }

    /// Sleeps up to `seconds`, returning early when fetching is over; true when it is.
    func sleepUnlessStopping(_ seconds: Double) -> Bool {
        state.wait(until: { $0.hasStoppedFetching }, timeout: seconds) { $0.hasStoppedFetching }
    }

    /// Sleeps up to `seconds` as ``sleepUnlessStopping(_:)`` does, returning early too once
    /// ``noteMayFetch()`` was called after ``mayFetchNotes`` read `notes`: a worker's first fetch waits
    /// for its first beat and recovery pass, not for the rest of a polling interval after them.
    func sleepUnlessStopping(_ seconds: Double, orNotedSince notes: Int) -> Bool {
        state.wait(until: { $0.hasStoppedFetching || $0.mayFetchNotes != notes }, timeout: seconds) { $0.hasStoppedFetching }
    }

    /// Wakes a consumer waiting to be allowed to fetch (see ``sleepUnlessStopping(_:orNotedSince:)``).
    func noteMayFetch() {
        state.withLockThenBroadcast { $0.mayFetchNotes += 1 }
    }

    /// Read before checking whether the consumer may fetch, for ``sleepUnlessStopping(_:orNotedSince:)``.
    var mayFetchNotes: Int { state.withLock { $0.mayFetchNotes } }

    /// Registers a job about to start and returns its slot number.
    func add(_ fetched: FetchedJob, job: Job?) -> Int {
        let now = WallClock.now()
        return state.withLock { $0.add(fetched, job: job, startedAt: now) }
    }

    /// The running jobs by slot, for the heartbeat's look at cancel marks.
    var slots: [(slot: Int, fetched: FetchedJob)] {
        state.withLock { state in state.running.map { ($0.key, $0.value.fetched) } }
    }

    /// Marks the slots' jobs as cancelled by an administrator and cancels their tasks; returns how many
    /// were still running.
    func cancel(slots: [Int]) -> Int {
        // Under the lock: a runner moves on to its next job only after `finish`, so the runner
        // cancelled here is still running this slot's job.
        state.withLock { state in
            var count = 0
            for slot in slots {
                guard state.running[slot] != nil, !state.running[slot]!.isCancelRequested else { continue }
                state.running[slot]!.isCancelRequested = true
                state.running[slot]!.runner?.cancel()
                count += 1
            }
            return count
        }
    }

    /// Cancels every running job, and every job taken from now on (shutdown's cancellation).
    func cancelRuns() {
        state.withLock { state in
            state.isCancellingRuns = true
            for running in state.running.values { running.runner?.cancel() }
        }
    }

    /// Records the concurrency slot a running job holds, or nil once released.
    func setLimitSlot(_ limitSlot: (key: String, holder: String)?, for slot: Int) {
        state.withLock { $0.running[slot]?.limitSlot = limitSlot }
    }

    /// The concurrency slots the running jobs hold.
    var limitSlots: [(key: String, holder: String)] {
        state.withLock { state in state.running.values.compactMap(\.limitSlot) }
    }

    /// Whether an administrator cancelled the job in this slot.
    func isCancelRequested(_ slot: Int) -> Bool {
        state.withLock { $0.running[slot]?.isCancelRequested ?? false }
    }

    /// Frees a slot, waking the consumer only when it waits for as many free slots as there now are.
    func finish(_ id: Int) {
        let freed = state.withLockThenWake { state in
            let freed = state.finish(id, concurrency: concurrency)
            return (freed, freed.wakesConsumer)
        }
        for waiter in freed.emptyWaiters { waiter.resume() }
    }

    /// Returns once no job runs. Waits on the finishing jobs rather than polling, so it costs nothing
    /// while it waits, even in a cancelled task. An immediate stop ends the wait at once, unless
    /// `evenIfAbandoned` (the shutdown's own wait for the runs it cancelled).
    func waitUntilEmpty(evenIfAbandoned: Bool = false) async {
        await withCheckedContinuation { continuation in
            let isEmpty = state.withLock { state -> Bool in
                if state.running.isEmpty || (state.isWaitingAbandoned && !evenIfAbandoned) { return true }
                if evenIfAbandoned {
                    state.patientEmptyWaiters.append(continuation)
                } else {
                    state.emptyWaiters.append(continuation)
                }
                return false
            }
            if isEmpty { continuation.resume() }
        }
    }

    /// Ends every wait for running jobs to finish, now and later: an immediate stop cancels them instead.
    func stopWaitingForRunningJobs() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isWaitingAbandoned = true
            defer { state.emptyWaiters = [] }
            return state.emptyWaiters
        }
        for waiter in waiters { waiter.resume() }
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
    /// Jobs finished since the worker started (see ``PrefetchAllowance``).
    var finishedCount: Int { state.withLock { $0.finishedCount } }
    /// Every job held: those running and those fetched that wait for a runner.
    var snapshot: [Running] { state.withLock { Array($0.running.values) } }
    /// The jobs a runner has taken, for the heartbeat and the busy gauge: a prefetched job waiting in
    /// the inbox is held, not busy.
    var started: [Running] { state.withLock { $0.running.values.filter { $0.runner != nil } } }
}
