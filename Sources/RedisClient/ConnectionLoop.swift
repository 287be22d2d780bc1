import ConveyorSupport
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The body of a ``RedisClient``'s connection thread: takes every waiting request, pipelines them on
/// the one hiredis connection it owns, and hands each caller its replies (see ``RequestQueue`` for why
/// each continuation is resumed exactly once).
struct ConnectionLoop {
    let configuration: RedisConfiguration
    let queue: ConditionLock<RequestQueue>
    let interrupter: SocketInterrupter
    let logger: Logger
    /// Caps one write so a flood of callers cannot build an unbounded buffer.
    private let maximumBatchCommands = 4096

    init(configuration: RedisConfiguration, queue: ConditionLock<RequestQueue>, interrupter: SocketInterrupter, logger: Logger) {
        self.configuration = configuration
        self.queue = queue
        self.interrupter = interrupter
        self.logger = logger
    }

    func run() {
        var connection: RedisConnection?
        var backoff = RetryBackoff()
        var nextAttempt = 0.0
        // Behind Sentinel, the master generation of the last connection: a new one means a failover.
        var masterGeneration: UInt64?
        while let batch = queue.wait(until: \.hasWork, timeout: nil, then: { $0.takeBatch(maximumCommands: maximumBatchCommands) }) {
            // Every request taken was cancelled while queued: nothing to send.
            if batch.isEmpty { continue }
            if connection == nil || connection!.isBroken {
                connection = nil
                waitUntil(nextAttempt)
                // Closed while backing off: close() has failed this batch already; no connect attempt.
                if queue.withLock({ $0.isClosed }) { continue }
                do {
                    connection = try RedisConnection(configuration: configuration, interrupter: interrupter)
                    if let previous = masterGeneration, connection!.masterGeneration != previous {
                        logger.notice("Connected to the new Redis master after a failover.", metadata: ["address": "\(connection!.configuration.displayAddress)"])
                    } else if backoff.isBackingOff {
                        logger.info("Reconnected to Redis.", metadata: ["address": "\(configuration.displayAddress)"])
                    }
                    masterGeneration = connection!.masterGeneration
                    backoff.reset()
                } catch {
                    if !backoff.isBackingOff, !queue.withLock({ $0.isClosed }) {
                        logger.warning("Redis is unavailable; retrying with backoff.", metadata: ["error": "\(error)"])
                    }
                    nextAttempt = Self.now() + backoff.nextDelay()
                    resume(batch, with: batch.map { _ in .failure(error) })
                    continue
                }
            }
            execute(batch, on: connection!)
        }
        // Freed before close() hears of the end: hiredis closes the socket here.
        connection = nil
        let closeCalls = queue.withLock { $0.finish() }
        logger.debug("The Redis connection thread stopped.", metadata: ["address": "\(configuration.displayAddress)"])
        for closeCall in closeCalls { closeCall.resume() }
    }

    private func execute(_ batch: [RedisRequest], on connection: RedisConnection) {
        var replies: [RedisValue] = []
        replies.reserveCapacity(batch.reduce(0) { $0 + $1.commands.count })
        let failure = connection.exchange(batch.lazy.flatMap(\.commands), appendingRepliesTo: &replies)
        var outcomes: [Result<[RedisValue], RedisError>] = []
        outcomes.reserveCapacity(batch.count)
        var offset = 0
        for request in batch {
            let end = offset + request.commands.count
            if end <= replies.count {
                var own = Array(replies[offset..<end])
                if let fallbackFailure = resendMissingScripts(request, replies: &own, on: connection) {
                    outcomes.append(.failure(fallbackFailure))
                } else {
                    outcomes.append(.success(own))
                }
            } else {
                // The first of this request's commands that got no reply is the one to name.
                let unanswered = request.commands[max(0, replies.count - offset)].name
                outcomes.append(.failure(Self.renamed(failure, to: unanswered)))
            }
            offset = end
        }
        resume(batch, with: outcomes)
    }

    /// Hands each request's outcome to its caller, unless the caller was cancelled or the client closed
    /// meanwhile: then the outcome is dropped, and the replies of the others stay theirs.
    private func resume(_ batch: [RedisRequest], with outcomes: [Result<[RedisValue], RedisError>]) {
        let continuations = queue.withLock { state in batch.map { state.claim($0.id) } }
        for (continuation, outcome) in zip(continuations, outcomes) {
            continuation?.resume(with: outcome)
        }
    }

    /// Replaces `NOSCRIPT` replies by the reply to the script's `EVAL`, sent right away on this thread,
    /// unless the caller no longer waits: the script did not run, and a cancelled caller's script must
    /// not run now. Returns the connection failure that stopped a fallback, which fails the whole request.
    private func resendMissingScripts(_ request: RedisRequest, replies: inout [RedisValue], on connection: RedisConnection) -> RedisError? {
        for (index, fallback) in request.fallbacks where RedisScript.isMissingScript(replies[index]) {
            guard queue.withLock({ $0.isWaiting(request.id) }) else { return nil }
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
