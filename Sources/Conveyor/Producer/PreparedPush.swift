/// A job checked and serialized for a push, and the lock it takes when it is unique.
struct PreparedPush: Sendable {
    /// The job's bytes and queue.
    let encoded: EncodedJob
    /// For a unique job, its lock; such a job is pushed on its own, with its lock, in one script.
    let lock: UniqueLock?
}
