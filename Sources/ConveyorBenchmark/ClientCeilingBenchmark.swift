import ConveyorSupport
import Conveyor
import Foundation
import RedisClient

/// The ceiling of the round-trip figure: the `Record` job's Redis work (`SADD` and `HINCRBY` in one
/// pipeline) sent through one shared ``RedisClient`` from `concurrency` tasks on a ``LoopExecutor``,
/// as a worker's handlers send it, with no queue at all: no fetch, no acknowledgement, no JSON.
///
/// Why: the round-trip figure is bounded by what this client and redis-server can do with the job's
/// own commands on the same two cores. Set side by side, the two figures say how much of a
/// round-trip job's cost is the queue and how much is the job's Redis call, which no queue removes.
struct ClientCeilingBenchmark {
    let bench: BenchmarkEnvironment
    let calls: Int
    let concurrency: Int
    let runs: Int

    func run() async throws -> [Figure] {
        var rates: [Double] = [], clientCPU: [Double] = [], redisCPU: [Double] = []
        for _ in 0..<runs {
            let (rate, client, redis) = try await measure()
            rates.append(rate); clientCPU.append(client); redisCPU.append(redis)
        }
        let settings = "\(calls) pipelines of SADD + HINCRBY (the Record job's Redis work), \(concurrency) tasks on a loop thread, one shared client, no queue"
        return [
            Figure(name: "client alone: Record's round trip", unit: "calls/s", settings: settings, samples: rates),
            Figure(name: "client alone: this process's CPU", unit: "CPU ms/1000 calls", settings: settings, samples: clientCPU),
            Figure(name: "client alone: redis-server CPU", unit: "CPU ms/1000 calls", settings: settings, samples: redisCPU),
        ]
    }

    /// Calls per second, and this process's and redis-server's CPU milliseconds per 1,000 calls.
    private func measure() async throws -> (Double, Double, Double) {
        let key = "bench-client-\(UUID().uuidString.prefix(8).lowercased())"
        let client = RedisClient(configuration: bench.configuration)
        // The jids exist before the clock starts, as a fetched job's jid does before its handler runs.
        let jids = (0..<calls).map { _ in JobID.generate() }
        let loop = LoopExecutor(name: "bench-loop")
        let redisBefore = try await bench.redisCPUSeconds(client)
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
        let redisAfter = try await bench.redisCPUSeconds(client)
        loop.shutdown()
        guard try await client.send("SCARD", key).integer == calls else {
            throw BenchmarkError("the client-alone run did not add all \(calls) members")
        }
        try await client.send("UNLINK", key, key + ":runs")
        await client.close()
        let perCall = 1_000_000 / Double(calls)
        return (Double(calls) / elapsed, cpu * perCall, (redisAfter - redisBefore) * perCall)
    }
}
