import ConveyorSupport
import Conveyor
import ConveyorRedis
import RedisClient

/// The ceiling of the round-trip figure: the `Record` job's Redis work (`SADD` and `HINCRBY` in one
/// pipeline) sent through one shared ``RedisClient`` from `concurrency` long-lived tasks on a
/// ``LoopExecutor``, as a worker's runners send it, with no queue at all: no fetch, no
/// acknowledgement, no JSON.
///
/// Why: the round-trip figure is bounded by what this client and redis-server can do with the job's
/// own commands on the same two cores. Set side by side, the two figures say how much of a
/// round-trip job's cost is the queue and how much is the job's Redis call, which no queue removes.
struct ClientCeilingBenchmark {
    let bench: BenchmarkEnvironment
    let calls: Int
    let concurrency: Int
    let runs: Int

    private struct Sample {
        let rate, clientCPU, redisCPU: Double
        let coresBusy: Double?
    }

    func run() async throws -> [Figure] {
        var samples: [Sample] = []
        for _ in 0..<runs {
            samples.append(try await measure())
        }
        let settings = "\(calls) pipelines of SADD + HINCRBY (the Record job's Redis work), \(concurrency) tasks on a loop thread, one shared client, no queue"
        let coresBusy = samples.compactMap(\.coresBusy)
        return [
            Figure(name: "client alone: Record's round trip", unit: "calls/s", settings: settings, samples: samples.map(\.rate)),
            Figure(name: "client alone: this process's CPU", unit: "CPU ms/1000 calls", settings: settings, samples: samples.map(\.clientCPU)),
            Figure(name: "client alone: redis-server CPU", unit: "CPU ms/1000 calls", settings: settings, samples: samples.map(\.redisCPU)),
        ] + (coresBusy.isEmpty ? [] : [
            Figure(name: "client alone: machine cores busy", unit: "cores of \(MachineLoad()?.cores ?? 0)", settings: settings, samples: coresBusy),
        ])
    }

    /// One run; its keys are deleted and its client and loop thread closed however it ends.
    private func measure() async throws -> Sample {
        let (backend, namespace) = bench.makeBackend(label: "client")
        let key = "\(namespace):recorded"
        // The jids exist before the clock starts, as a fetched job's jid does before its handler runs.
        let jids = (0..<calls).map { _ in JobID.generate() }
        let loop = LoopExecutor(name: "bench-loop")
        let outcome: Result<Sample, any Error>
        do {
            outcome = .success(try await measure(sending: jids, to: key, through: backend.client, on: loop))
        } catch {
            outcome = .failure(error)
        }
        loop.shutdown()
        try await bench.cleanUp(backend, namespace: namespace)
        return try outcome.get()
    }

    private func measure(sending jids: [String], to key: String, through client: RedisClient, on loop: LoopExecutor) async throws -> Sample {
        let redisBefore = try await bench.redisCPUSeconds(client)
        let loadBefore = MachineLoad()
        let cpuBefore = ProcessCPU.seconds()
        let started = MonotonicClock.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask(executorPreference: loop) {
                    for index in stride(from: lane, to: jids.count, by: concurrency) {
                        let commands = [RedisCommand("SADD", key, jids[index]), RedisCommand("HINCRBY", key + ":runs", jids[index], 1)]
                        for case .error(let message) in try await client.pipeline(commands) {
                            throw BenchmarkError("Redis refused the client-alone pipeline: \(message)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = MonotonicClock.now() - started
        let cpu = ProcessCPU.seconds() - cpuBefore
        let coresBusy = MachineLoad.coresBusy(since: loadBefore)
        let redisAfter = try await bench.redisCPUSeconds(client)
        let added = try await client.send("SCARD", key).integer ?? 0
        guard added == jids.count else {
            throw BenchmarkError("the client-alone run added \(added) of \(jids.count) members")
        }
        let perCall = 1_000_000 / Double(jids.count)
        return Sample(rate: Double(jids.count) / elapsed, clientCPU: cpu * perCall, redisCPU: (redisAfter - redisBefore) * perCall, coresBusy: coresBusy)
    }
}
