/// What one round of crash recovery did.
public struct RecoveryResult: Sendable, Equatable {
    /// Jobs pushed back to the pop end of their queues.
    public var requeued: Int
    /// Jobs sent to the dead set as poison pills (recovered too often).
    public var buried: Int

    /// Creates a result.
    public init(requeued: Int = 0, buried: Int = 0) {
        self.requeued = requeued
        self.buried = buried
    }

    /// Jobs moved either way.
    public var total: Int { requeued + buried }
}
