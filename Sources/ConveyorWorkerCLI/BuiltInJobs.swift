import Conveyor
import RedisClient
#if canImport(Glibc)
import Glibc
#endif

/// The jobs `conveyor-worker` knows out of the box, for smoke tests, demos and benchmarks.
enum BuiltInJobs {
    /// `retryDelay`: when set, every built-in job that fails is retried after this many seconds instead
    /// of Sidekiq's growing delay (`--retry-delay`, for tests).
    static func registry(client: RedisClient, retryDelay: Double? = nil) -> JobRegistry {
        var registry = JobRegistry()
        var options = JobOptions()
        if let retryDelay {
            options.retryDelay = { @Sendable _ in retryDelay }
        }
        func register(_ className: String, _ handler: @escaping @Sendable ([JSONValue], JobContext) async throws -> Void) {
            registry.register(className: className, options: options, handler: handler)
        }
        // Does nothing: measures the queue's own overhead.
        register("Noop") { _, _ in }
        // Sleeps args[0] milliseconds without blocking the loop thread.
        register("Sleep") { args, _ in
            guard let milliseconds = args.first?.doubleValue, milliseconds >= 0 else {
                throw JobArgumentsError(jobClass: "Sleep", reason: "args must be [milliseconds], e.g. [250]")
            }
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
        // Always fails with args[0] as the message: exercises retries and the dead set. With args[1],
        // first counts the run in that hash (HINCRBY args[1] jid 1), so a test can count the attempts.
        register("Fail") { args, context in
            if args.count > 1 {
                guard let key = args[1].stringValue, !key.isEmpty else {
                    throw JobArgumentsError(jobClass: "Fail", reason: "args must be [message] or [message, runs-hash-key], e.g. [\"boom\", \"fail-runs\"]")
                }
                try await client.send("HINCRBY", key, context.jid, 1)
            }
            throw RequestedFailure(message: args.first?.stringValue ?? "Fail job failed as requested")
        }
        // Kills the worker process mid-job (exit status 70): exercises crash recovery and poison pills.
        register("Crash") { _, _ in
            exit(70)
        }
        // Logs its args.
        register("Echo") { args, context in
            context.logger.info("Echo \(JSONValue.array(args).jsonString)")
        }
        // Adds its jid to the Redis set args[0] and counts the run in the hash `args[0]:runs` (one
        // pipeline), so a test can prove every job ran and count the ones that ran twice. args[1] may
        // be a number of milliseconds to sleep first, or the key of a list to append the jid to.
        register("Record") { args, context in
            guard let key = args.first?.stringValue, !key.isEmpty else {
                throw JobArgumentsError(jobClass: "Record", reason: "args must be [set-key], [set-key, ms] or [set-key, list-key], e.g. [\"recorded\", 5]")
            }
            var commands = [RedisCommand("SADD", key, context.jid), RedisCommand("HINCRBY", key + ":runs", context.jid, 1)]
            if args.count > 1 {
                switch args[1] {
                case .number(let number) where number.doubleValue >= 0:
                    try await Task.sleep(for: .milliseconds(number.doubleValue))
                case .string(let list) where !list.isEmpty:
                    commands.append(RedisCommand("RPUSH", list, context.jid))
                default:
                    throw JobArgumentsError(jobClass: "Record", reason: "args[1] must be milliseconds to sleep (e.g. 5) or a list key, e.g. [\"recorded\", 5]")
                }
            }
            for case .error(let message) in try await client.pipeline(commands) {
                throw RedisError.errorReply(command: "SADD/HINCRBY", message: message)
            }
        }
        // Appends the microseconds from enqueued_at to this start to the list args[0]: for latency benchmarks.
        register("Latency") { args, context in
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
