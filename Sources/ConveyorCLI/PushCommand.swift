import ArgumentParser
import Conveyor
import Foundation
import ConveyorRedis

/// `conveyor push`: push jobs from the shell.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push jobs onto a queue.",
        discussion: """
        Examples:
          conveyor push HardJob '[1, "x"]'
          conveyor push Sleep '[250]' --queue critical
          conveyor push Noop --count 100000
          conveyor push --file jobs.ndjson
          some-generator | conveyor push --file -
          conveyor push Report '[7]' --in 90s              in 90 seconds; also 5m, 2h, 1.5d
          conveyor push Report '[7]' --at 2026-12-01T09:00:00Z
          conveyor push Report '[7]' --at 2026-12-01T09:00:00+02:00   an offset is converted to UTC
          conveyor push Report '[7]' --at 1796115600                  epoch seconds
          conveyor push Noop --count 500 --in 10m --queue bulk
          conveyor push Report '[7]' --unique-for 3600        skipped while an equal Report job waits, retries or runs
          conveyor push Report '[7]' --unique-for 600 --unique-until start
          conveyor push Sync '[42]' --unique-for 300 --unique-key sync-account-42


        A push file holds one job JSON object per line, e.g. {"class":"HardJob","args":[1,"x"]}. "args" defaults to [] and "queue" to --queue; jid and created_at are generated when absent; other fields are kept as written. A UTF-8 byte order mark at the start is skipped. Every line is checked first: a bad line pushes nothing.

        Queue names must be servable by conveyor-worker --queue: not empty or blank, no commas, no control characters, no surrounding spaces. "retry" must be true, false or a whole number. Args may nest at most 511 levels deep (the job object around them makes 512, the most a worker reads).

        Exit status: 0 pushed; 64 bad input (a bad class, queue, args, delay, time or push file; nothing was pushed); 1 Redis failed.

        With --unique-for SECONDS the job is pushed only if no job with the same class, queue and args (or the same --unique-key) is queued, scheduled, retrying or running; otherwise it prints "skipped: duplicate of JID" and exits 0. The lock ends when the job succeeds (or with --unique-until start when it starts), dies, or is deleted or cancelled, and after SECONDS at the latest (for a scheduled job, SECONDS after its run time).

        With --in or --at the jobs wait in the schedule set (without enqueued_at) until a running worker moves them to their queue, within about a second of their time. A time already past pushes them at once.
        """
    )

    @Argument(help: ArgumentHelp("The job class, e.g. HardJob. Omit it with --file.", valueName: "class"))
    var className: String?

    @Argument(help: ArgumentHelp("The job's args as a JSON array, e.g. '[1, \"x\"]'. Default: [].", valueName: "args-json"))
    var argumentsJSON: String?

    @Option(name: .long, help: ArgumentHelp("The queue to push to.", valueName: "queue"))
    var queue: String = Job.defaultQueue

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Push this many copies of the job, each with its own jid.", valueName: "n"))
    var count: Int = 1

    @Option(name: .long, help: ArgumentHelp("Read jobs from a file of JSON lines, or '-' for standard input.", valueName: "path"))
    var file: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Run after this delay: a decimal number and a unit s, m, h or d, e.g. 30s, 5m, 2h, 1.5d; at most 100 years.", valueName: "delay"))
    var `in`: String?

    @Option(name: .long, help: ArgumentHelp("Run at this time: ISO 8601 with Z or an offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T09:00:00+02:00, or epoch seconds.", valueName: "time"))
    var at: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Push only if no equal job (same class, queue and args, or --unique-key) is queued, scheduled, retrying or running; the lock lasts at most this many seconds. A duplicate prints \"skipped: duplicate of JID\" and exits 0.", valueName: "seconds"))
    var uniqueFor: Int?

    @Option(name: .long, help: ArgumentHelp("With --unique-for: when the lock ends, 'success' (default: when the job succeeds, dies or is deleted) or 'start' (when it starts).", valueName: "start|success"))
    var uniqueUntil: String?

    @Option(name: .long, help: ArgumentHelp("With --unique-for: the uniqueness key, instead of class, queue and args.", valueName: "key"))
    var uniqueKey: String?

    @OptionGroup var redisOptions: RedisOptions

    /// Jobs per pipeline: large enough for bulk speed, small enough to report progress and bound memory.
    private static let chunkSize = 10_000

    /// Jobs per pipeline for a push of `total`: up to ``chunkSize``, but at least twenty steps on a
    /// long push so the progress bar moves.
    private static func chunk(for total: Int) -> Int {
        max(1000, min(chunkSize, total / 20))
    }

    func validate() throws {
        if let invalid = RawArguments.firstInvalidUTF8() {
            throw ValidationError("Argument \(invalid.position) (\(LogText.quoted(invalid.text))) is not valid UTF-8; job data must be UTF-8 text, as in a push file.")
        }
        if file != nil {
            guard className == nil else {
                throw ValidationError("Give either a job class or --file, not both.")
            }
            guard count == 1 else {
                throw ValidationError("--count repeats one job; it cannot be combined with --file.")
            }
        } else {
            guard let className, !className.isEmpty else {
                throw ValidationError("Name the job class to push, e.g. `conveyor push HardJob '[1]'`, or give --file.")
            }
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1.") }
        if let uniqueFor {
            guard uniqueFor >= 1 && uniqueFor <= 3_153_600_000 else { throw ValidationError("--unique-for must be a whole number of seconds from 1 to 3153600000 (100 years), e.g. --unique-for 3600.") }
            guard file == nil && count == 1 else { throw ValidationError("--unique-for pushes one job; it cannot be combined with --file or --count.") }
        } else if uniqueUntil != nil || uniqueKey != nil {
            throw ValidationError("--unique-until and --unique-key need --unique-for SECONDS, e.g. --unique-for 3600.")
        }
        if let uniqueUntil, UniqueUntil(rawValue: uniqueUntil) == nil {
            throw ValidationError("--unique-until must be 'start' or 'success', not \(LogText.quoted(uniqueUntil)).")
        }
        if let uniqueKey, uniqueKey.isEmpty { throw ValidationError("--unique-key must not be empty.") }
        guard `in` == nil || at == nil else { throw ValidationError("Give either --in or --at, not both.") }
        if let delay = `in` { _ = try ScheduleTime.seconds(fromDelay: delay) }
        if let time = at { _ = try ScheduleTime.epochSeconds(fromISO8601: time) }
        do {
            try QueueName.check(queue)
        } catch {
            throw ValidationError("--queue: \(error)")
        }
        if file == nil, let className {
            // The same checks a worker makes, so whatever push accepts, a worker can read.
            do {
                try Job(className: className, args: try parseArguments(), queue: queue).validate()
            } catch let error as JobDecodingError {
                throw ValidationError("Cannot push this job: \(error)")
            }
        }
    }

    func run() async throws {
        // Everything is validated before connecting, so bad input never leaves a partial push.
        let source: JobSource
        do {
            if let file {
                source = .list(try JobFile.read(path: file, defaultQueue: queue))
            } else {
                source = .copies(className: className!, args: try parseArguments(), count: count)
            }
        } catch {
            CommandFailure.exit(error)
        }
        let runAt = try `in`.map { WallClock.now() + (try ScheduleTime.seconds(fromDelay: $0)) } ?? at.map(ScheduleTime.epochSeconds(fromISO8601:))
        if let uniqueFor, case .copies(let name, let args, _) = source {
            var job = Job(className: name, args: args, queue: queue)
            job.makeUnique(for: .seconds(uniqueFor), until: uniqueUntil.flatMap(UniqueUntil.init(rawValue:)) ?? .success, key: uniqueKey)
            let outcome = await redisOptions.withBackend { backend in
                try await Producer(backend: backend).enqueue(job, at: runAt.map { Date(timeIntervalSince1970: $0) })
            }
            switch outcome {
            case .skipped(let holder):
                print("skipped: duplicate of \(holder)")
            case .pushed(let jid):
                if let runAt, runAt > WallClock.now() {
                    print("Scheduled 1 \(name) job (jid \(jid)) for \(ScheduleTime.iso8601(runAt)), unique for \(uniqueFor) s.")
                } else {
                    print("Pushed 1 \(name) job to queue '\(queue)' (jid \(jid)), unique for \(uniqueFor) s.")
                }
            }
            return
        }
        let total = source.count
        var progress = ProgressBar(total: total, label: "pushing")
        let lastJID = await redisOptions.withBackend { backend in
            let producer = Producer(backend: backend)
            var pushed = 0
            var lastJID = ""
            do {
                while pushed < total {
                    let chunk = source.jobs(in: pushed..<min(pushed + Self.chunk(for: total), total), queue: queue)
                    if let runAt {
                        try await producer.pushBulk(chunk, at: Date(timeIntervalSince1970: runAt))
                    } else {
                        try await producer.pushBulk(chunk)
                    }
                    pushed += chunk.count
                    lastJID = chunk.last?.jid ?? lastJID
                    progress.update(pushed)
                }
            } catch {
                progress.finish()
                throw CommandFailure(message: "Pushed \(pushed) of \(total) jobs before the failure (a batch of up to \(Self.chunk(for: total)) in flight may be partly pushed): \(error)")
            }
            return lastJID
        }
        progress.finish()
        if let runAt, runAt > WallClock.now() {
            let what = if case .copies(let name, _, 1) = source { "1 \(name) job (jid \(lastJID))" } else { "\(total) job\(total == 1 ? "" : "s")" }
            print("Scheduled \(what) for \(ScheduleTime.iso8601(runAt)).")
        } else if case .copies(let name, _, 1) = source {
            print("Pushed 1 \(name) job to queue '\(queue)' (jid \(lastJID)).")
        } else {
            print("Pushed \(total) job\(total == 1 ? "" : "s")\(file == nil ? " to queue '\(queue)'" : "").")
        }
    }

    /// ARGS_JSON as an array; a mistake is a usage error (exit 64).
    private func parseArguments() throws -> [JSONValue] {
        guard let argumentsJSON else { return [] }
        let shown = LogText.quoted(argumentsJSON.count > 200 ? argumentsJSON.prefix(200) + "…" : argumentsJSON[...])
        let value: JSONValue
        do {
            value = try JSONValue.parse(argumentsJSON)
        } catch {
            throw ValidationError("The args \(shown) are not valid JSON: \(error) Write them as a JSON array, e.g. '[1, \"x\"]'.")
        }
        guard case .array(let elements) = value else {
            throw ValidationError("The args must be a JSON array, e.g. '[1, \"x\"]' rather than \(shown).")
        }
        return elements
    }
}

/// The jobs one push will send, built chunk by chunk so a million copies never sit in memory at once.
private enum JobSource {
    case list([Job])
    case copies(className: String, args: [JSONValue], count: Int)

    var count: Int {
        switch self {
        case .list(let jobs): jobs.count
        case .copies(_, _, let count): count
        }
    }

    func jobs(in range: Range<Int>, queue: String) -> [Job] {
        switch self {
        case .list(let jobs):
            return Array(jobs[range])
        case .copies(let className, let args, _):
            return range.map { _ in Job(className: className, args: args, queue: queue) }
        }
    }
}
