import ConveyorSupport
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The body of a ``RedisClient``'s connection thread: takes every waiting request, pipelines them on
/// the one hiredis connection it owns, and resumes each request's continuation exactly once.
struct ConnectionLoop {
    let configuration: RedisConfiguration
    let queue: ConditionLock<RequestQueue>
    let logger: Logger
    /// Caps one write so a flood of callers cannot build an unbounded buffer.
    private let maximumBatchCommands = 4096

    init(configuration: RedisConfiguration, queue: ConditionLock<RequestQueue>, logger: Logger) {
        self.configuration = configuration
        self.queue = queue
        self.logger = logger
    }

    func run() {
        var connection: RedisConnection?
        var backoff = RetryBackoff()
        var nextAttempt = 0.0
        while true {
            let (batch, isClosed) = queue.wait(until: { !$0.pending.isEmpty || $0.isClosed }, timeout: nil) { state in
                (takeBatch(from: &state), state.isClosed)
            }
            if isClosed {
                for request in batch { request.continuation.resume(returning: .failure(.clientClosed(command: request.commands[0].name))) }
                failRemaining()
                return
            }
            if connection == nil || connection!.isBroken {
                connection = nil
                waitUntil(nextAttempt)
                do {
                    connection = try RedisConnection(configuration: configuration)
                    if backoff.isBackingOff {
                        logger.info("Reconnected to Redis.", metadata: ["address": "\(configuration.displayAddress)"])
                    }
                    backoff.reset()
                } catch {
                    if !backoff.isBackingOff {
                        logger.warning("Redis is unavailable; retrying with backoff.", metadata: ["error": "\(error)"])
                    }
                    nextAttempt = Self.now() + backoff.nextDelay()
                    for request in batch { request.continuation.resume(returning: .failure(error)) }
                    continue
                }
            }
            execute(batch, on: connection!)
        }
    }

    private func takeBatch(from state: inout RequestQueue) -> [RedisRequest] {
        var count = 0
        var taken = 0
        while taken < state.pending.count, count < maximumBatchCommands || taken == 0 {
            count += state.pending[taken].commands.count
            taken += 1
        }
        let batch = Array(state.pending.prefix(taken))
        state.pending.removeFirst(taken)
        return batch
    }

    private func execute(_ batch: [RedisRequest], on connection: RedisConnection) {
        var replies: [RedisValue] = []
        replies.reserveCapacity(batch.reduce(0) { $0 + $1.commands.count })
        let failure = connection.exchange(batch.lazy.flatMap(\.commands), appendingRepliesTo: &replies)
        var offset = 0
        for request in batch {
            let end = offset + request.commands.count
            if end <= replies.count {
                var own = Array(replies[offset..<end])
                if let fallbackFailure = resendMissingScripts(request, replies: &own, on: connection) {
                    request.continuation.resume(returning: .failure(fallbackFailure))
                } else {
                    request.continuation.resume(returning: .success(own))
                }
            } else {
                // The first of this request's commands that got no reply is the one to name.
                let unanswered = request.commands[max(0, replies.count - offset)].name
                request.continuation.resume(returning: .failure(Self.renamed(failure, to: unanswered)))
            }
            offset = end
        }
    }

    /// Replaces `NOSCRIPT` replies by the reply to the script's `EVAL`, sent right away on this thread.
    /// Returns the connection failure that stopped a fallback, which fails the whole request.
    private func resendMissingScripts(_ request: RedisRequest, replies: inout [RedisValue], on connection: RedisConnection) -> RedisError? {
        for (index, fallback) in request.fallbacks where RedisScript.isMissingScript(replies[index]) {
            var retried: [RedisValue] = []
            if let failure = connection.exchange(CollectionOfOne(fallback), appendingRepliesTo: &retried) {
                return failure
            }
            replies[index] = retried[0]
        }
        return nil
    }

    /// The connection failure, naming `command` as the one left without a reply.
    private static func renamed(_ failure: RedisError?, to command: String) -> RedisError {
        switch failure {
        case .timeout(_, let seconds)?: .timeout(command: command, seconds: seconds)
        case .protocolError(_, let message)?: .protocolError(command: command, message: message)
        case .connectionLost(_, let message)?: .connectionLost(command: command, message: message)
        case let other?: other
        case nil: .connectionLost(command: command, message: "no reply")
        }
    }

    private func failRemaining() {
        let rest = queue.withLock { state -> [RedisRequest] in
            defer { state.pending.removeAll() }
            return state.pending
        }
        for request in rest { request.continuation.resume(returning: .failure(.clientClosed(command: request.commands[0].name))) }
    }

    /// Sleeps until `deadline` unless the client is closed meanwhile.
    private func waitUntil(_ deadline: Double) {
        let delay = deadline - Self.now()
        guard delay > 0 else { return }
        queue.wait(until: { $0.isClosed }, timeout: delay) { _ in }
    }

    static func now() -> Double {
        MonotonicClock.now()
    }
}
