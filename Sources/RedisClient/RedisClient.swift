import ConveyorSupport
import Logging
import Synchronization

/// An async Redis client: `try await client.send(...)`, pipelines and scripts, safe to share.
///
/// ```swift
/// let client = RedisClient(configuration: try .fromEnvironment())
/// try await client.send("SET", "greeting", "hello")
/// await client.close()
/// ```
///
/// Why a connection thread and not hiredis's async API: a blocking hiredis context on a thread of its
/// own is the simplest design that never blocks Swift's cooperative pool or a worker's loop thread,
/// and it batches for free. While the thread waits for one round trip, new requests pile up; it then
/// writes all of them in one go and reads all replies (automatic pipelining), so many concurrent
/// callers cost one round trip, not one each.
///
/// After a connection failure, the requests in flight fail with ``RedisError/connectionLost(command:message:)``
/// (they may have run) and the next request reconnects, waiting out a capped exponential backoff.
///
/// Every request honours task cancellation and throws `CancellationError` at once:
/// - in a task cancelled before the call, or while the request waits its turn, nothing is sent;
/// - once the request is written it cannot be taken back: the caller is still released at once, and
///   the connection thread reads its reply and drops it, so the replies of later requests stay in
///   order. The command may then have run, as after a lost connection. Waiting for the reply instead
///   would hold a cancelled caller for up to the command timeout behind a slow script or a hung
///   server, which is what cancelling is for.
///
/// With a `redis+sentinel://` configuration the client also runs a ``SentinelWatcher``: when a sentinel
/// announces a failover, requests not yet written go to the new master (each connection asks the
/// sentinels again before its next write), rather than to the old one until it drops them.
///
/// The owner calls ``close()`` when done; that waits for the connection thread. A client dropped
/// without `close()` lets its thread end on its own, unjoined, after the round trip in flight.
public final class RedisClient: Sendable {
    /// Where this client connects.
    public let configuration: RedisConfiguration
    private let queue: ConditionLock<RequestQueue>
    private let interrupter: SocketInterrupter
    private let thread: NamedThread
    private let sentinelWatcher: SentinelWatcher?
    private let logger: Logger
    private let nextRequestID = Atomic<UInt64>(0)

    /// Creates the client and its connection thread. The first connection is made on first use, or
    /// by ``connect()`` to fail early with a clear message.
    public init(configuration: RedisConfiguration, threadName: String = "conveyor-redis", logger: Logger = Logger(label: "conveyor.redis")) {
        self.configuration = configuration
        self.logger = logger
        let queue = ConditionLock(RequestQueue())
        let interrupter = SocketInterrupter()
        self.queue = queue
        self.interrupter = interrupter
        thread = NamedThread.start(name: threadName) {
            ConnectionLoop(configuration: configuration, queue: queue, interrupter: interrupter, logger: logger).run()
        }
        sentinelWatcher = SentinelWatcher.start(for: configuration, logger: logger)
    }

    deinit {
        // No caller waits (each holds the client while it does), but the thread may be in a round
        // trip for a cancelled one: cut it short and let the thread end without blocking this caller.
        shutDown()
        thread.detach()
        sentinelWatcher?.detach()
    }

    /// Checks that the server is reachable and accepts the credentials (a `PING`), so a CLI can fail
    /// before doing any work. Throws a ``RedisError``, or `CancellationError`.
    public func connect() async throws {
        // Started during a Sentinel failover, the first connection waits for the new master rather
        // than failing a command that has not written anything yet: the fence lasts at most 5 s.
        let deadline = MonotonicClock.now() + Self.failoverWaitSeconds
        while true {
            do {
                _ = try await send(RedisCommand("PING"))
                return
            } catch RedisError.errorReply(_, let message) where message.hasPrefix("NOPERM") {
                // An ACL user without PING (a read-only role): the server answered and took the credentials.
                return
            } catch RedisError.failoverUnderWay where MonotonicClock.now() < deadline {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// How long ``connect()`` waits for a Sentinel failover under way to name the new master.
    static let failoverWaitSeconds = 10.0

    /// Sends one command and returns its reply; an error reply throws ``RedisError/errorReply(command:message:)``.
    /// Throws a ``RedisError``, or `CancellationError` (see the type's discussion of cancellation).
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RedisValue {
        let reply = try await submit([command], fallbacks: [:])[0]
        if case .error(let message) = reply {
            throw RedisError.errorReply(command: command.name, message: message)
        }
        return reply
    }

    /// Sends one command built from a name and arguments.
    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws -> RedisValue {
        try await send(RedisCommand(name, arguments: arguments))
    }

    /// Sends the commands in one round trip and returns their replies in order. Error replies are
    /// returned as ``RedisValue/error(_:)`` values; only a connection failure, a closed client or
    /// cancellation throws.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        return try await submit(commands, fallbacks: [:])
    }

    /// Sends the commands in one round trip, as ``pipeline(_:)``, where the `EVALSHA` at each index of
    /// `scriptFallbacks` is answered by its `EVAL` when the server has not cached the script: only that
    /// command is sent again, never the rest of the pipeline.
    public func pipeline(_ commands: [RedisCommand], scriptFallbacks: [Int: RedisCommand]) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        return try await submit(commands, fallbacks: scriptFallbacks)
    }

    /// Runs a Lua script by SHA, falling back to `EVAL` when the server has not cached it.
    @discardableResult
    public func run(_ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument]) async throws -> RedisValue {
        let reply = try await submit(
            [script.evalSHACommand(keys: keys, arguments: arguments)],
            fallbacks: [0: script.evalCommand(keys: keys, arguments: arguments)]
        )[0]
        if case .error(let message) = reply {
            throw RedisError.errorReply(command: "EVALSHA", message: message)
        }
        return reply
    }

    /// Closes the client: requests still queued fail with ``RedisError/clientClosed(command:)``; a
    /// round trip in flight is cut short, its requests failing with
    /// ``RedisError/connectionLost(command:message:)`` (they may have run), so closing is prompt even
    /// when Redis hangs; then the connection thread stops and is joined. Every later request fails at
    /// once with ``RedisError/clientClosed(command:)``. Safe to call twice, or from several tasks.
    ///
    /// Waiting costs no thread, and the join at the end only meets a thread that has finished its work.
    /// A connection attempt under way (at most the connect timeout) is the one thing it waits out.
    public func close() async {
        shutDown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Resumed exactly once: by the connection thread as it ends, or here if it already has.
            let isKept = queue.withLock { $0.waitForFinish(continuation) }
            if !isKept { continuation.resume() }
        }
        thread.join()
        sentinelWatcher?.join()
    }

    /// How many requests wait for the connection thread to write them: lets tests cancel a request they
    /// know is queued.
    var queuedRequestCount: Int {
        queue.withLock { $0.queuedCount }
    }

    /// Refuses new requests, fails the waiting ones and breaks a round trip in flight.
    private func shutDown() {
        let failed = queue.withLockThenBroadcast { $0.close() }
        for (continuation, error) in failed { continuation.resume(throwing: error) }
        interrupter.interrupt()
        sentinelWatcher?.stop()
    }

    private func submit(_ commands: [RedisCommand], fallbacks: [Int: RedisCommand]) async throws -> [RedisValue] {
        let id = nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: RequestQueue.Continuation) in
                let request = RedisRequest(id: id, commands: commands, fallbacks: fallbacks)
                let refusal = queue.withLockThenWake { state -> (result: (any Error)?, wake: Bool) in
                    let refusal = state.enqueue(request, continuation: continuation)
                    return (refusal, refusal == nil)
                }
                // Not queued, so nobody else can resume it.
                if let refusal { continuation.resume(throwing: refusal) }
            }
        } onCancel: {
            // Resumes only if the request's continuation was still waiting (see RequestQueue).
            let continuation = queue.withLock { $0.cancel(id) }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
