import Conveyor
import RedisClient
#if canImport(Glibc)
import Glibc
#endif

/// The jobs `conveyor-worker` knows out of the box, for smoke tests, demos and benchmarks.
enum BuiltInJobs {
    static func registry(client: RedisClient) -> JobRegistry {
        var registry = JobRegistry()
        // Does nothing: measures the queue's own overhead.
        registry.register(className: "Noop") { _, _ in }
        // Sleeps args[0] milliseconds without blocking the loop thread.
        registry.register(className: "Sleep") { args, _ in
            guard let milliseconds = args.first?.doubleValue, milliseconds >= 0 else {
                throw JobArgumentsError(jobClass: "Sleep", reason: "args must be [milliseconds], e.g. [250]")
            }
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
        // Always fails with args[0] as the message: exercises retries and the dead set.
        registry.register(className: "Fail") { args, _ in
            throw RequestedFailure(message: args.first?.stringValue ?? "Fail job failed as requested")
        }
        // Kills the worker process mid-job (exit status 70): exercises crash recovery and poison pills.
        registry.register(className: "Crash") { _, _ in
            exit(70)
        }
        // Logs its args.
        registry.register(className: "Echo") { args, context in
            context.logger.info("Echo \(JSONValue.array(args).jsonString)")
        }
        // Adds its jid to the Redis set named by args[0], so a test can prove every job ran, and appends it
        // to the list args[1] when given, so a test can prove none ran twice.
        registry.register(className: "Record") { args, context in
            guard let key = args.first?.stringValue, !key.isEmpty else {
                throw JobArgumentsError(jobClass: "Record", reason: "args must be [set-key] or [set-key, list-key], e.g. [\"recorded\"]")
            }
            try await client.send("SADD", key, context.jid)
            if args.count > 1, let list = args[1].stringValue, !list.isEmpty {
                try await client.send("RPUSH", list, context.jid)
            }
        }
        // Appends the microseconds from enqueued_at to this start to the list args[0]: for latency benchmarks.
        registry.register(className: "Latency") { args, context in
            let startedAt = Clock.now()
            guard let key = args.first?.stringValue, !key.isEmpty else {
                throw JobArgumentsError(jobClass: "Latency", reason: "args must be [list-key], e.g. [\"latencies\"]")
            }
            let enqueuedAt = context.job.enqueuedAt ?? startedAt
            try await client.send("RPUSH", key, Int(((startedAt - enqueuedAt) * 1_000_000).rounded()))
        }
        return registry
    }
}

/// The error the `Fail` job throws.
struct RequestedFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
