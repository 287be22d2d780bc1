/// What a ``RedisClient`` shares with its connection thread, behind one `ConditionLock`.
///
/// Each caller's continuation is resumed exactly once, although three parties may want to resume it:
/// the connection thread (replies or a connection failure), the caller's cancellation handler
/// (`CancellationError`) and `close()` (``RedisError/clientClosed(command:)``). The continuation lives
/// in `waiting` until one of them removes it with the lock held, and only the one that removed it
/// resumes it; the others find nothing and do nothing.
struct RequestQueue {
    /// Unchecked: the checked kind allocates a guard object per request, one of the larger costs of a
    /// round trip, and the rule above (whoever removes it from `waiting` resumes it) already makes
    /// each resume happen exactly once.
    typealias Continuation = UnsafeContinuation<[RedisValue], any Error>

    private struct Waiter {
        let request: RedisRequest
        let continuation: Continuation
    }

    /// IDs of requests not yet taken by the connection thread, oldest first. A request cancelled while
    /// queued leaves its ID here and its waiter gone: the thread skips it, so a cancellation costs no
    /// search through the queue.
    private var pending: [UInt64] = []
    private var waiting: [UInt64: Waiter] = [:]
    /// Set by `close()` (or `deinit`); no request is accepted afterwards.
    private(set) var isClosed = false
    /// Set by the connection thread as its last step.
    private var isFinished = false
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []

    /// Whether the connection thread has something to do: requests to send or a close to obey.
    var hasWork: Bool { !pending.isEmpty || isClosed }

    /// Queues `request`, or returns the error its caller gets at once: the client is closed, or the
    /// caller's task is already cancelled (then nothing is sent). Checking cancellation here, under the
    /// lock, closes the race with the cancellation handler: a handler that ran before this found
    /// nothing to resume, so the cancellation must be seen now.
    mutating func enqueue(_ request: RedisRequest, continuation: Continuation) -> (any Error)? {
        if isClosed { return RedisError.clientClosed(command: request.firstCommandName) }
        if Task.isCancelled { return CancellationError() }
        pending.append(request.id)
        waiting[request.id] = Waiter(request: request, continuation: continuation)
        return nil
    }

    /// Takes the continuation of a cancelled caller, if nobody resumed it yet. A request still queued
    /// will never be written; one already taken by the connection thread has its reply read and
    /// dropped, so the replies of the requests after it stay in order.
    mutating func cancel(_ id: UInt64) -> Continuation? {
        waiting.removeValue(forKey: id)?.continuation
    }

    /// The next requests to write, oldest first, up to about `maximumCommands` commands (at least one
    /// request); nil once the client is closed.
    mutating func takeBatch(maximumCommands: Int) -> [RedisRequest]? {
        guard !isClosed else { return nil }
        var batch: [RedisRequest] = []
        var commandCount = 0
        var taken = 0
        while taken < pending.count, commandCount < maximumCommands || batch.isEmpty {
            if let waiter = waiting[pending[taken]] {
                batch.append(waiter.request)
                commandCount += waiter.request.commands.count
            }
            taken += 1
        }
        pending.removeFirst(taken)
        return batch
    }

    /// How many requests wait to be written, cancelled ones left out.
    var queuedCount: Int {
        pending.count { waiting[$0] != nil }
    }

    /// Whether the caller of request `id` still waits: not cancelled, not failed by `close()`.
    func isWaiting(_ id: UInt64) -> Bool {
        waiting[id] != nil
    }

    /// Takes the continuation of a request the connection thread has answered, unless its caller was
    /// cancelled or the client closed meanwhile.
    mutating func claim(_ id: UInt64) -> Continuation? {
        waiting.removeValue(forKey: id)?.continuation
    }

    /// Refuses new requests and takes every waiting continuation with the error it gets: queued
    /// requests were never sent; those the connection thread had taken may or may not have run.
    mutating func close() -> [(Continuation, RedisError)] {
        isClosed = true
        var failed: [(Continuation, RedisError)] = []
        for id in pending {
            if let waiter = waiting.removeValue(forKey: id) {
                failed.append((waiter.continuation, .clientClosed(command: waiter.request.firstCommandName)))
            }
        }
        pending.removeAll()
        for waiter in waiting.values {
            let error = RedisError.connectionLost(command: waiter.request.firstCommandName, message: "the client was closed before the reply arrived")
            failed.append((waiter.continuation, error))
        }
        waiting.removeAll()
        return failed
    }

    /// Records that the connection thread has ended; returns the `close()` calls waiting for it.
    mutating func finish() -> [CheckedContinuation<Void, Never>] {
        isFinished = true
        defer { finishWaiters.removeAll() }
        return finishWaiters
    }

    /// Keeps `continuation` until the connection thread ends; returns false, keeping nothing, when it
    /// already has (the caller then resumes it itself).
    mutating func waitForFinish(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard !isFinished else { return false }
        finishWaiters.append(continuation)
        return true
    }
}
