/// The handlers a worker knows, by job class name.
///
/// ```swift
/// var registry = JobRegistry()
/// registry.register(SendWelcomeEmail.self) { job, context in
///     context.logger.info("Welcoming user \(job.userID)")
/// }
/// registry.register(className: "HardJob") { args, context in   // a job pushed from Ruby
///     print(args)
/// }
/// registry.register(className: "Report", options: JobOptions(timeout: .seconds(30))) { _, _ in }
/// ```
///
/// A typed job's retry delays and timeout come from its ``JobParameters`` type; a class-name
/// registration takes them as ``JobOptions``.
public struct JobRegistry: Sendable {
    /// Runs one job; throwing marks the run as failed.
    public typealias Handler = @Sendable (JobContext) async throws -> Void

    private var handlers: [String: Handler] = [:]
    private var options: [String: JobOptions] = [:]
    /// `handlers` and `options` together, for the worker's one lookup per job.
    private var registrations: [String: (handler: Handler, options: JobOptions)] = [:]
    /// The queue each typed job is pushed to by default, so a worker can say at start when it serves
    /// none of them.
    private var typedQueues: [String: String] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Registers a handler for a typed job. Arguments that do not decode fail the run with a message
    /// naming the field.
    public mutating func register<Parameters: JobParameters>(
        _ type: Parameters.Type,
        handler: @escaping @Sendable (Parameters, JobContext) async throws -> Void
    ) {
        refuseSecondRegistration(of: Parameters.jobName)
        handlers[Parameters.jobName] = { context in
            let parameters = try Parameters.decode(from: context.job.args)
            try await handler(parameters, context)
        }
        options[Parameters.jobName] = JobOptions(Parameters.self)
        registrations[Parameters.jobName] = (handlers[Parameters.jobName]!, JobOptions(Parameters.self))
        typedQueues[Parameters.jobName] = Parameters.queue
    }

    /// Registers a handler that receives the raw `args`, for jobs pushed by other languages.
    public mutating func register(
        className: String,
        options: JobOptions = JobOptions(),
        handler: @escaping @Sendable ([JSONValue], JobContext) async throws -> Void
    ) {
        refuseSecondRegistration(of: className)
        handlers[className] = { context in
            try await handler(context.job.args, context)
        }
        self.options[className] = options
        registrations[className] = (handlers[className]!, options)
    }

    /// The handler for a class name, if one is registered.
    public func handler(for className: String) -> Handler? {
        handlers[className]
    }

    /// The options of a class name; the defaults when it is not registered.
    public func options(for className: String) -> JobOptions {
        options[className] ?? JobOptions()
    }

    /// The handler and options of a registered class, in one lookup: the worker asks for both for
    /// every job it runs.
    func registration(for className: String) -> (handler: Handler, options: JobOptions)? {
        registrations[className]
    }

    /// The registered class names, sorted.
    public var classNames: [String] { handlers.keys.sorted() }

    /// The queue a typed job's type pushes to by default (``JobParameters/queue``); nil for a
    /// class-name registration, whose jobs may come from anywhere.
    public func defaultQueue(for className: String) -> String? {
        typedQueues[className]
    }

    /// Two handlers for one class would leave one of them silently unused: a programming error, stopped
    /// where it is made.
    private func refuseSecondRegistration(of className: String) {
        precondition(handlers[className] == nil, "Job class '\(className)' is registered twice in one JobRegistry; each class has one handler. Remove one of the registrations, or give one of the types another jobName.")
    }
}
