import Conveyor
import RedisClient
#if canImport(Glibc)
import Glibc
#endif

/// The jobs `conveyor-worker` knows out of the box, for smoke tests, demos and benchmarks.
enum BuiltInJobs {
    /// What `conveyor-worker --help` says of them.
    static let help = "Built-in jobs: Noop; Sleep [ms]; Fail [message] or [message, runs-hash-key] (always throws; with the key it first counts the run with HINCRBY key jid 1); Crash (exits the process mid-job, status 70); Echo [anything] (logs its args); Record [set-key], [set-key, ms] or [set-key, list-key] (sleeps ms when given, then SADD set-key jid and HINCRBY set-key:runs jid 1 in one pipeline, plus RPUSH list-key jid when given: proves a job ran and counts repeated runs); Span [list-key, ms] (sleeps ms, then appends 'start end' in epoch microseconds to the list: shows which runs overlapped); Latency [list-key] (appends the microseconds from enqueued_at to start, for benchmarks)."

    /// The registry of the built-in jobs, whose Redis-writing jobs use `client`.
    static func registry(client: RedisClient) -> JobRegistry {
        var registry = JobRegistry()
        let options = JobOptions()
        func register(_ className: String, _ handler: @escaping @Sendable ([JSONValue], JobContext) async throws -> Void) {
            registry.register(className: className, options: options, handler: handler)
        }
        // Does nothing: measures the queue's own overhead.
        register("Noop") { _, _ in }
        // Sleeps args[0] milliseconds without blocking the loop thread.
        register("Sleep") { args, _ in
            guard let duration = args.first.flatMap(sleepDuration) else {
                throw JobArgumentsError(jobClass: "Sleep", reason: "args must be [milliseconds] with 0 to \(maximumSleepMilliseconds) milliseconds (one day), e.g. [250]")
            }
            try await Task.sleep(for: duration)
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
        // Logs its args. JSON text has no raw newlines, but may hold C1 controls and U+2028.
        register("Echo") { args, context in
            context.logger.info("Echo \(LogText.escaped(JSONValue.array(args).jsonString))")
        }
        // Sleeps args[1] ms and appends "start end" (epoch microseconds) to the list args[0]: a test
        // reads which runs overlapped, to check a concurrency limit.
        register("Span") { args, _ in
            guard args.count == 2, let key = args[0].stringValue, !key.isEmpty, let duration = sleepDuration(args[1]) else {
                throw JobArgumentsError(jobClass: "Span", reason: "args must be [list-key, ms], e.g. [\"spans\", 200]")
            }
            let start = Int(WallClock.now() * 1_000_000)
            try await Task.sleep(for: duration)
            try await client.send("RPUSH", key, "\(start) \(Int(WallClock.now() * 1_000_000))")
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
                if let duration = sleepDuration(args[1]) {
                    try await Task.sleep(for: duration)
                } else if case .string(let list) = args[1], !list.isEmpty {
                    commands.append(RedisCommand("RPUSH", list, context.jid))
                } else {
                    throw JobArgumentsError(jobClass: "Record", reason: "args[1] must be milliseconds to sleep (0 to \(maximumSleepMilliseconds)) or a list key, e.g. [\"recorded\", 5]")
                }
            }
            for case .error(let message) in try await client.pipeline(commands) {
                throw RedisError.errorReply(command: "SADD/HINCRBY", message: message)
            }
        }
        // Appends the microseconds from enqueued_at to this start to the list args[0]: for latency benchmarks.
        register("Latency") { args, context in
            let startedAt = WallClock.now()
            guard let key = args.first?.stringValue, !key.isEmpty else {
                throw JobArgumentsError(jobClass: "Latency", reason: "args must be [list-key], e.g. [\"latencies\"]")
            }
            let enqueuedAt = context.job.enqueuedAt ?? startedAt
            // enqueued_at comes from the payload: any number, so the latency is checked before it
            // becomes an Int (1e400 or -1e23 would trap the conversion).
            let microseconds = ((startedAt - enqueuedAt) * 1_000_000).rounded()
            guard microseconds.isFinite, abs(microseconds) < 1e15 else {
                throw JobArgumentsError(jobClass: "Latency", reason: "its enqueued_at (\(context.job.fields[JobField.enqueuedAt]?.jsonString ?? "none")) is not a time within 30 years of now")
            }
            try await client.send("RPUSH", key, Int(microseconds))
        }
        return registry
    }

    /// The longest sleep `Sleep` and `Record` accept: one day. A payload's number can be anything, and
    /// `Duration` traps on values it cannot hold (`1e30` milliseconds, `1e400`).
    static let maximumSleepMilliseconds = 86_400_000

    /// A number of milliseconds within 0 … ``maximumSleepMilliseconds`` as a `Duration`; `nil` for
    /// anything else (negative, too long, not a number).
    static func sleepDuration(_ value: JSONValue) -> Duration? {
        guard case .number(let number) = value else { return nil }
        let milliseconds = number.doubleValue
        guard milliseconds >= 0, milliseconds <= Double(maximumSleepMilliseconds) else { return nil }
        return .milliseconds(milliseconds)
    }
}

/// The error the `Fail` job throws.
struct RequestedFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
