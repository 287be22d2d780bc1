/// Code that runs around every push, in the order registered (Sidekiq's client middleware): it may
/// add or change fields, skip the job, or refuse the push.
///
/// ```swift
/// struct StampTenant: PushMiddleware {
///     func push(_ job: Job, next: (Job) async throws -> Void) async throws {
///         var job = job
///         job.fields["tenant"] = .string(Tenant.current)
///         try await next(job)
///     }
/// }
/// let producer = Producer(backend: backend, middleware: [StampTenant()])
/// ```
///
/// Calling `next` hands the job on to the next middleware and, after the last, to the push; a
/// middleware that returns without calling it skips the job (nothing is pushed for it, and the rest of
/// a bulk push goes on); one that throws refuses the whole push, which then writes nothing and throws
/// that error to the caller. Bulk pushes run the chain once per job and then write every job in one
/// go, so `next` returns before the job reaches the backend, as in Sidekiq.
public protocol PushMiddleware: Sendable {
    /// Called once for each job about to be pushed, before it is checked and written.
    func push(_ job: Job, next: (Job) async throws -> Void) async throws
}

extension Array where Element == any PushMiddleware {
    /// Runs `job` through the middleware from `index` on, then through `push`.
    func push(_ job: Job, from index: Int = 0, into push: (Job) async throws -> Void) async throws {
        guard index < count else {
            try await push(job)
            return
        }
        try await self[index].push(job) { job in
            try await self.push(job, from: index + 1, into: push)
        }
    }
}
