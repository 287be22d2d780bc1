import Foundation

/// Pushes jobs onto queues, from Swift code.
///
/// ```swift
/// let producer = Producer(backend: RedisBackend(client: client))
/// let jid = try await producer.push(SendWelcomeEmail(userID: 42))
/// try await producer.push(className: "HardJob", args: [1, "x"])      // a job for a Ruby worker
/// try await producer.push(SendReminder(userID: 42), in: .seconds(3600))   // in an hour
/// try await producer.push(Job(className: "Report"), at: Date().addingTimeInterval(86_400))
/// ```
public struct Producer: Sendable {
    /// Where jobs go.
    public let backend: any JobBackend
    /// What runs around every push, in order (see ``PushMiddleware``).
    public let middleware: [any PushMiddleware]

    /// Creates a producer on a backend, with the middleware each push runs through.
    public init(backend: any JobBackend, middleware: [any PushMiddleware] = []) {
        self.backend = backend
        self.middleware = middleware
    }

    /// Pushes a typed job and returns its jid.
    @discardableResult
    public func push<Parameters: JobParameters>(_ parameters: Parameters, queue: String? = nil) async throws -> String {
        let job = try Job(parameters, queue: queue)
        try await push(job)
        return job.jid
    }

    /// Schedules a typed job to run at `time` and returns its jid; a time already past pushes it at
    /// once, as Sidekiq does.
    @discardableResult
    public func push<Parameters: JobParameters>(_ parameters: Parameters, queue: String? = nil, at time: Date) async throws -> String {
        let job = try Job(parameters, queue: queue)
        try await push(job, at: time)
        return job.jid
    }

    /// Schedules a typed job to run after `delay` and returns its jid.
    @discardableResult
    public func push<Parameters: JobParameters>(_ parameters: Parameters, queue: String? = nil, in delay: Duration) async throws -> String {
        try await push(parameters, queue: queue, at: Date(timeIntervalSince1970: WallClock.now() + delay.inSeconds))
    }

    /// Pushes many typed jobs in as few round trips as the backend allows and returns their jids, in
    /// order. Each goes to `queue`, or else its type's queue.
    @discardableResult
    public func pushBulk<Parameters: JobParameters>(_ values: [Parameters], queue: String? = nil) async throws -> [String] {
        let jobs = try values.map { try Job($0, queue: queue) }
        try await pushBulk(jobs)
        return jobs.map(\.jid)
    }

    /// Pushes an untyped job, for example one a Ruby Sidekiq worker runs, and returns its jid.
    @discardableResult
    public func push(className: String, args: [JSONValue] = [], queue: String = Job.defaultQueue, retry: RetryPolicy = .default) async throws -> String {
        let job = Job(className: className, args: args, queue: queue, retry: retry)
        try await push(job)
        return job.jid
    }

    /// Pushes one prepared job, stamping `enqueued_at`.
    public func push(_ job: Job) async throws {
        try await pushBulk([job])
    }

    /// Schedules one prepared job to run at `time`: it waits in the schedule set, with no
    /// `enqueued_at`, until a worker's poller moves it to its queue. A time already past pushes it at
    /// once, as Sidekiq does.
    public func push(_ job: Job, at time: Date) async throws {
        try await pushBulk([job], at: time)
    }

    /// Schedules one prepared job to run after `delay`.
    public func push(_ job: Job, in delay: Duration) async throws {
        try await push(job, at: Date(timeIntervalSince1970: WallClock.now() + delay.inSeconds))
    }

    /// Pushes many jobs in as few round trips as the backend allows, stamping `enqueued_at` on each.
    /// Every job goes through the middleware, then is checked (``Job/validate()``): a job a worker
    /// could not read pushes nothing.
    public func pushBulk(_ jobs: [Job]) async throws {
        let jobs = try await passedThroughMiddleware(jobs)
        let now = WallClock.now()
        let stamp = Job.enqueuedAtMember(now)
        let prepared = try await jobs.slicedMap(minimumSlice: Self.minimumEncodingSlice) { job in
            try job.validate()
            if let (unique, lock) = Self.withUniqueDigest(job) {
                return PreparedPush(encoded: EncodedJob(queue: unique.queue, payload: unique.serialized(enqueuedAt: now, member: stamp)), lock: lock)
            }
            return PreparedPush(encoded: EncodedJob(queue: job.queue, payload: job.serialized(enqueuedAt: now, member: stamp)), lock: nil)
        }
        try await backend.push(try await pushingUnique(prepared, at: nil))
    }

    /// Schedules many jobs to run at `date` in as few round trips as the backend allows; a time already
    /// past pushes them at once. A date that is not a finite time throws ``ScheduleTimeError``.
    public func pushBulk(_ jobs: [Job], at date: Date) async throws {
        // Sidekiq's schedule scores are epoch seconds.
        let time = date.timeIntervalSince1970
        guard time.isFinite else { throw ScheduleTimeError(time: time) }
        guard time > WallClock.now() else {
            try await pushBulk(jobs)
            return
        }
        let jobs = try await passedThroughMiddleware(jobs)
        let prepared = try await jobs.slicedMap(minimumSlice: Self.minimumEncodingSlice) { job in
            try job.validate()
            var scheduled = job
            scheduled.enqueuedAt = nil
            if let (unique, lock) = Self.withUniqueDigest(scheduled) {
                return PreparedPush(encoded: EncodedJob(unique), lock: Self.lock(lock, lastingPast: time))
            }
            return PreparedPush(encoded: EncodedJob(scheduled), lock: nil)
        }
        try await backend.schedule(try await pushingUnique(prepared, at: time), at: time)
    }

    /// Below twice this many jobs a bulk push is checked and serialized in the calling task; above,
    /// in slices on up to one task per core (a slice's work, about a millisecond, dwarfs a task's cost).
    static let minimumEncodingSlice = 1_000

    /// Pushes the unique jobs among `prepared`, one by one and in order, each with its lock (at
    /// `time` when scheduled), and returns the others for one bulk write. Nothing is written before
    /// every job of the batch has been checked, so a job a worker could not read pushes nothing.
    private func pushingUnique(_ prepared: [PreparedPush], at time: Double?) async throws -> [EncodedJob] {
        guard prepared.contains(where: { $0.lock != nil }) else { return prepared.map(\.encoded) }
        var plain: [EncodedJob] = []
        for push in prepared {
            if let lock = push.lock {
                _ = try await backend.pushUnique(push.encoded, lock: lock, at: time)
            } else {
                plain.append(push.encoded)
            }
        }
        return plain
    }

    /// Pushes one job (at `date`, when given and in the future) and says what happened: a unique job
    /// (``Job/makeUnique(for:until:key:)``, or a ``JobParameters`` type with `uniqueFor`) whose lock is
    /// held by a queued, scheduled, retrying or running duplicate is skipped, and the outcome names that
    /// duplicate's jid. Every other job is pushed as ``push(_:)`` pushes it.
    @discardableResult
    public func enqueue(_ job: Job, at date: Date? = nil) async throws -> PushOutcome {
        let time = date?.timeIntervalSince1970
        if let time, !time.isFinite { throw ScheduleTimeError(time: time) }
        let isLater = time.map { $0 > WallClock.now() } ?? false
        guard let passed = try await passedThroughMiddleware([job]).first else { return .pushed(jid: job.jid) }
        try passed.validate()
        guard let (unique, lock) = Self.withUniqueDigest(passed) else {
            if isLater, let date { try await backend.schedule([Self.unstamped(passed)], at: date.timeIntervalSince1970) } else { try await backend.push([EncodedJob(queue: passed.queue, payload: passed.serialized(enqueuedAt: WallClock.now()))]) }
            return .pushed(jid: passed.jid)
        }
        let holder: String?
        if isLater, let time {
            holder = try await backend.pushUnique(Self.unstamped(unique), lock: Self.lock(lock, lastingPast: time), at: time)
        } else {
            holder = try await backend.pushUnique(EncodedJob(queue: unique.queue, payload: unique.serialized(enqueuedAt: WallClock.now())), lock: lock, at: nil)
        }
        return holder.map { .skipped(duplicateOf: $0) } ?? .pushed(jid: unique.jid)
    }

    /// A scheduled job's payload: no `enqueued_at` until the poller moves it to its queue.
    private static func unstamped(_ job: Job) -> EncodedJob {
        var job = job
        job.enqueuedAt = nil
        return EncodedJob(job)
    }

    /// A unique job with its lock name written in (so every step that ends the job can release the
    /// lock), and its lock; nil for an ordinary job.
    private static func withUniqueDigest(_ job: Job) -> (Job, UniqueLock)? {
        guard let lock = job.uniqueLock else { return nil }
        var job = job
        job.fields[JobField.uniqueDigest] = .string(lock.digest)
        return (job, lock)
    }

    /// A scheduled unique job's lock lasts from now until its run time plus `unique_for`.
    private static func lock(_ lock: UniqueLock, lastingPast time: Double) -> UniqueLock {
        let wait = max(0, time - WallClock.now())
        return UniqueLock(digest: lock.digest, jid: lock.jid, timeToLive: lock.timeToLive + .seconds(wait), until: lock.until)
    }

    /// The jobs as the middleware leaves them: changed, and without those it skipped. Every job's
    /// chain runs before anything is written, so a refusal (a throw) pushes nothing.
    private func passedThroughMiddleware(_ jobs: [Job]) async throws -> [Job] {
        guard !middleware.isEmpty else { return jobs }
        var passed: [Job] = []
        passed.reserveCapacity(jobs.count)
        for job in jobs {
            try await middleware.push(job) { passed.append($0) }
        }
        return passed
    }
}
