/// Code that runs around every job a worker runs, in the order registered (Sidekiq's server
/// middleware): the first registered is the outermost. It sees the job before the handler, and the
/// handler's error (or its success) after `next` returns, and can time the run.
///
/// ```swift
/// struct AuditRuns: JobMiddleware {
///     func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws {
///         let started = ContinuousClock.now
///         do {
///             try await next(context)
///             context.logger.info("done", metadata: ["took": "\(ContinuousClock.now - started)"])
///         } catch {
///             context.logger.warning("failed: \(error)")
///             throw error   // rethrow, or the job counts as a success
///         }
///     }
/// }
/// let configuration = try WorkerConfiguration(middleware: [AuditRuns()])
/// ```
///
/// An error a middleware throws (or lets through) fails the job as a handler's would: retry or dead
/// set by the job's retry policy. A middleware that returns without calling `next` skips the handler
/// and the job counts as done. Runs happen on the worker's loop thread: keep middleware short and
/// never block in it.
public protocol JobMiddleware: Sendable {
    /// Called for each run of a job whose class has a handler; `next` runs the rest of the chain and
    /// then the handler (with its timeout, if it has one).
    func run(_ context: JobContext, next: (JobContext) async throws -> Void) async throws
}

extension Array where Element == any JobMiddleware {
    /// Runs `context` through the middleware from `index` on, then through `handler`.
    func run(_ context: JobContext, from index: Int = 0, handler: (JobContext) async throws -> Void) async throws {
        guard index < count else {
            try await handler(context)
            return
        }
        try await self[index].run(context) { context in
            try await self.run(context, from: index + 1, handler: handler)
        }
    }
}
