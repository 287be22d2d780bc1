import ArgumentParser
import Conveyor
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

        A push file holds one job JSON object per line, e.g. {"class":"HardJob","args":[1,"x"]}. "args" defaults to [] and "queue" to --queue; jid and created_at are generated when absent; other fields are kept as written. Every line is checked first: a bad line pushes nothing.
        """
    )

    @Argument(help: ArgumentHelp("The job class, e.g. HardJob. Omit it with --file.", valueName: "class"))
    var className: String?

    @Argument(help: ArgumentHelp("The job's args as a JSON array, e.g. '[1, \"x\"]'. Default: [].", valueName: "args-json"))
    var argumentsJSON: String?

    @Option(name: .long, help: ArgumentHelp("The queue to push to.", valueName: "queue"))
    var queue: String = Job.defaultQueue

    @Option(name: .long, help: ArgumentHelp("Push this many copies of the job, each with its own jid.", valueName: "n"))
    var count: Int = 1

    @Option(name: .long, help: ArgumentHelp("Read jobs from a file of JSON lines, or '-' for standard input.", valueName: "path"))
    var file: String?

    @OptionGroup var redisOptions: RedisOptions

    /// Jobs per pipeline: large enough for bulk speed, small enough to report progress and bound memory.
    private static let chunkSize = 10_000

    func validate() throws {
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
        guard !queue.isEmpty else { throw ValidationError("--queue must not be empty.") }
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
        let backend: RedisBackend
        do {
            backend = try await redisOptions.connect()
        } catch {
            CommandFailure.exit(error)
        }
        defer { backend.client.close() }
        let producer = Producer(backend: backend)
        let total = source.count
        var progress = ProgressBar(total: total, label: "pushing")
        var pushed = 0
        var lastJID = ""
        do {
            while pushed < total {
                let chunk = source.jobs(in: pushed..<min(pushed + Self.chunkSize, total), queue: queue)
                try await producer.pushBulk(chunk)
                pushed += chunk.count
                lastJID = chunk.last?.jid ?? lastJID
                progress.update(pushed)
            }
        } catch {
            progress.finish()
            CommandFailure.exit(CommandFailure(message: "Pushed \(pushed) of \(total) jobs before the failure (a batch of up to \(Self.chunkSize) in flight may be partly pushed): \(error)"))
        }
        progress.finish()
        if case .copies(let name, _, 1) = source {
            print("Pushed 1 \(name) job to queue '\(queue)' (jid \(lastJID)).")
        } else {
            print("Pushed \(total) job\(total == 1 ? "" : "s")\(file == nil ? " to queue '\(queue)'" : "").")
        }
    }

    private func parseArguments() throws -> [JSONValue] {
        guard let argumentsJSON else { return [] }
        let value: JSONValue
        do {
            value = try JSONValue.parse(argumentsJSON)
        } catch {
            throw CommandFailure(message: "The args '\(argumentsJSON)' are not valid JSON: \(error) Write them as a JSON array, e.g. '[1, \"x\"]'.")
        }
        guard case .array(let elements) = value else {
            throw CommandFailure(message: "The args must be a JSON array, e.g. '[\(argumentsJSON)]' rather than '\(argumentsJSON)'.")
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
