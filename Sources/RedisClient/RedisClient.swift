import ConveyorSupport
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// An async Redis client: `try await client.send(...)`, pipelines and scripts, safe to share.
///
/// Why a connection thread and not hiredis's async API: a blocking hiredis context on a thread of its
/// own is the simplest design that never blocks Swift's cooperative pool or a worker's loop thread,
/// and it batches for free. While the thread waits for one round trip, new requests pile up; it then
/// writes all of them in one go and reads all replies (automatic pipelining), so many concurrent
/// callers cost one round trip, not one each. Each request's continuation is resumed exactly once, by
/// the connection thread, when its replies arrive or its fate is decided.
///
/// After a connection failure, the requests in flight fail with ``RedisError/connectionLost(command:message:)``
/// (they may have run) and the next request reconnects, waiting out a capped exponential backoff.
public final class RedisClient: Sendable {
    /// Where this client connects.
    public let configuration: RedisConfiguration
    private let queue: ConditionLock<RequestQueue>
    private let thread: NamedThread
    private let logger: Logger

    /// Creates the client and its connection thread. The first connection is made on first use, or
    /// by ``connect()`` to fail early with a clear message.
    public init(configuration: RedisConfiguration, threadName: String = "conveyor-redis", logger: Logger = Logger(label: "conveyor.redis")) {
        self.configuration = configuration
        self.logger = logger
        let queue = ConditionLock(RequestQueue())
        self.queue = queue
        thread = NamedThread.start(name: threadName) {
            ConnectionLoop(configuration: configuration, queue: queue, logger: logger).run()
        }
    }

    deinit {
        close()
    }

    /// Checks that the server is reachable and accepts the credentials (a `PING`), so a CLI can fail
    /// before doing any work.
    public func connect() async throws(RedisError) {
        do {
            _ = try await send(RedisCommand("PING"))
        } catch .errorReply(_, let message) where message.hasPrefix("NOPERM") {
            // An ACL user without PING (a read-only role): the server answered and took the credentials.
        }
    }

    /// Sends one command and returns its reply; an error reply throws ``RedisError/errorReply(command:message:)``.
    @discardableResult
    public func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        let reply = try await submit([command], fallbacks: [:])[0]
        if case .error(let message) = reply {
            throw .errorReply(command: command.name, message: message)
        }
        return reply
    }

    /// Sends one command built from a name and arguments.
    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws(RedisError) -> RedisValue {
        try await send(RedisCommand(name, arguments: arguments))
    }

    /// Sends the commands in one round trip and returns their replies in order. Error replies are
    /// returned as ``RedisValue/error(_:)`` values; only a connection failure throws.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        return try await submit(commands, fallbacks: [:])
    }

    /// Sends the commands in one round trip, as ``pipeline(_:)``, where the `EVALSHA` at each index of
    /// `scriptFallbacks` is answered by its `EVAL` when the server has not cached the script: only that
    /// command is sent again, never the rest of the pipeline.
    public func pipeline(_ commands: [RedisCommand], scriptFallbacks: [Int: RedisCommand]) async throws(RedisError) -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        return try await submit(commands, fallbacks: scriptFallbacks)
    }

    /// Runs a Lua script by SHA, falling back to `EVAL` when the server has not cached it.
    @discardableResult
    public func run(_ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        let reply = try await submit(
            [script.evalSHACommand(keys: keys, arguments: arguments)],
            fallbacks: [0: script.evalCommand(keys: keys, arguments: arguments)]
        )[0]
        if case .error(let message) = reply {
            throw .errorReply(command: "EVALSHA", message: message)
        }
        return reply
    }

    /// Fails queued requests, closes the connection and joins the thread. Safe to call twice.
    public func close() {
        queue.withLockThenBroadcast { $0.isClosed = true }
        if !thread.isCurrent {
            thread.join()
        }
    }

    private func submit(_ commands: [RedisCommand], fallbacks: [Int: RedisCommand]) async throws(RedisError) -> [RedisValue] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[RedisValue], RedisError>, Never>) in
            let request = RedisRequest(commands: commands, fallbacks: fallbacks, continuation: continuation)
            let accepted = queue.withLockThenBroadcast { state -> Bool in
                guard !state.isClosed else { return false }
                state.pending.append(request)
                return true
            }
            if !accepted {
                continuation.resume(returning: .failure(.clientClosed(command: commands[0].name)))
            }
        }
        return try result.get()
    }
}

/// Requests waiting for the connection thread.
struct RequestQueue {
    var pending: [RedisRequest] = []
    var isClosed = false
}

/// Commands from one caller and the continuation that receives their replies.
struct RedisRequest {
    let commands: [RedisCommand]
    /// `EVAL` commands to send when the `EVALSHA` at the same index answers `NOSCRIPT`.
    let fallbacks: [Int: RedisCommand]
    let continuation: CheckedContinuation<Result<[RedisValue], RedisError>, Never>
}
