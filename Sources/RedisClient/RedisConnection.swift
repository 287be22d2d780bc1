import CHiredis
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking hiredis connection, owned by exactly one thread for its whole life.
///
/// Every call blocks the calling thread until Redis answers, so only Conveyor's own threads (a
/// connection thread of ``RedisClient``, a worker's consumer thread running `BLMOVE`) use it directly;
/// async code goes through ``RedisClient``. After any connection-level error the connection reports
/// ``isBroken`` and its owner throws it away and builds a new one: a hiredis context is never reused
/// after an error.
public final class RedisConnection {
    /// How the bytes travel. Plain TCP and Unix sockets keep hiredis's own context I/O, the hot path,
    /// exactly as before TLS existed; `rediss://` runs hiredis's formatter and reader over OpenSSL
    /// (see ``TLSSocket`` for why hiredis cannot do TLS itself here).
    private enum Transport {
        case hiredis(UnsafeMutablePointer<redisContext>)
        case tls(TLSChannel)
    }

    private let transport: Transport
    /// Where this connection points: for a `redis+sentinel://` configuration, the master it reached.
    public let configuration: RedisConfiguration
    /// True once an I/O, protocol or timeout error happened, the server reported a failover
    /// (`READONLY`), or, for a connection found through Sentinel, this process learned that the master
    /// moved (see ``SentinelMasterState``): the owner must discard this connection. Owners check it
    /// before each exchange, so a switch moves them before they write to the old master again.
    public var isBroken: Bool { hasFailed || masterLease?.isOutdated == true }
    private var hasFailed = false
    /// For a connection found through Sentinel: which of the master's generations it reached.
    var masterLease: SentinelMasterState.Lease?
    /// Lets ``RedisClient/close()`` break a call blocked on this connection from another thread.
    private let interrupter: SocketInterrupter?

    /// Connects, authenticates and selects the database, failing with a message that says which step
    /// went wrong. A `redis+sentinel://` configuration first asks the sentinels where the master is,
    /// and then checks with `ROLE` that the server is a master.
    public convenience init(configuration: RedisConfiguration) throws(RedisError) {
        try self.init(configuration: configuration, interrupter: nil)
    }

    /// Connects as ``init(configuration:)`` does, with the socket attached to `interrupter` from the
    /// moment it is connected (the handshake included) until this connection is freed.
    init(configuration: RedisConfiguration, interrupter: SocketInterrupter?) throws(RedisError) {
        _ = Self.ignoreBrokenPipes
        // A Sentinel configuration names no server: the sentinels say which one is the master now.
        var target = configuration
        var found: (master: SentinelMasterState.Master, state: SentinelMasterState)?
        if case .sentinel(let sentinel) = configuration.endpoint {
            found = try SentinelResolver.resolve(sentinel)
            target.endpoint = .tcp(host: found!.master.host, port: found!.master.port)
        }
        let configuration = target
        self.configuration = configuration
        self.interrupter = interrupter
        if case .tcp(let host, let port) = configuration.endpoint, let tls = configuration.tls {
            let socket = try TLSSocket(host: host, port: port, tls: tls, connectTimeout: configuration.connectTimeout,
                                       address: configuration.displayAddress, interrupter: interrupter)
            socket.setTimeout(seconds: configuration.commandTimeout)
            transport = .tls(TLSChannel(socket: socket))
            try handshake()
            if let found {
                masterLease = try confirmMaster(found.master, in: found.state)
            }
            return
        }
        let connectTimeout = timeval(seconds: configuration.connectTimeout)
        // TLS settings on a Unix socket are ignored: the socket never leaves the machine.
        let made: UnsafeMutablePointer<redisContext>? = switch configuration.endpoint {
        case .tcp(let host, let port): redisConnectWithTimeout(host, Int32(port), connectTimeout)
        case .unixSocket(let path): redisConnectUnixWithTimeout(path, connectTimeout)
        case .sentinel: nil  // Resolved to .tcp above.
        }
        guard let made else {
            throw .connectionFailed(address: configuration.displayAddress, message: "hiredis could not allocate a connection")
        }
        if made.pointee.err != 0 {
            let message = Self.errorText(of: made)
            redisFree(made)
            throw .connectionFailed(address: configuration.displayAddress, message: message)
        }
        transport = .hiredis(made)
        interrupter?.attach(made.pointee.fd)
        redisSetTimeout(made, timeval(seconds: configuration.commandTimeout))
        try handshake()
        if let found {
            masterLease = try confirmMaster(found.master, in: found.state)
        }
    }

    deinit {
        // Before the free, which closes the socket: its number may then go to another file.
        interrupter?.detach()
        // A TLS channel closes its socket when it is released, right after this.
        if case .hiredis(let context) = transport { redisFree(context) }
    }

    /// hiredis writes with `write(2)`, so a server that closes the connection would kill the whole
    /// process with SIGPIPE (exit 141, no message) instead of failing the command with EPIPE. Ignoring
    /// the signal, once per process, turns it into the `connectionLost` error callers handle.
    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Sends one command and waits for its reply. An error reply is thrown as ``RedisError/errorReply(command:message:)``.
    public func send(_ command: RedisCommand) throws(RedisError) -> RedisValue {
        let reply = try pipeline(CollectionOfOne(command))[0]
        if case .error(let message) = reply {
            throw .errorReply(command: command.name, message: message)
        }
        return reply
    }

    /// Sends all commands in one write and reads all replies: one round trip. Error replies stay in
    /// the result as ``RedisValue/error(_:)`` values; a connection failure throws.
    public func pipeline(_ commands: some Collection<RedisCommand>) throws(RedisError) -> [RedisValue] {
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        if let failure = exchange(commands, appendingRepliesTo: &replies) {
            throw failure
        }
        return replies
    }

    /// Runs a Lua script by SHA, falling back to `EVAL` when the server answers `NOSCRIPT`.
    public func run(_ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument]) throws(RedisError) -> RedisValue {
        var reply = try pipeline(CollectionOfOne(script.evalSHACommand(keys: keys, arguments: arguments)))[0]
        if RedisScript.isMissingScript(reply) {
            reply = try pipeline(CollectionOfOne(script.evalCommand(keys: keys, arguments: arguments)))[0]
        }
        if case .error(let message) = reply {
            throw .errorReply(command: "EVALSHA", message: message)
        }
        return reply
    }

    /// Changes how long a reply may take, for blocking commands that legitimately wait (`BLMOVE … 2`).
    public func setCommandTimeout(seconds: Double) {
        switch transport {
        case .hiredis(let context): redisSetTimeout(context, timeval(seconds: seconds))
        case .tls(let channel): channel.socket.setTimeout(seconds: seconds)
        }
    }

    /// Writes `commands` and reads their replies, appending each reply as it arrives. Returns the error
    /// that stopped the exchange, if any: the commands without a reply then failed with it, which lets
    /// ``RedisClient`` fail exactly the requests whose fate is unknown.
    func exchange(_ commands: some Collection<RedisCommand>, appendingRepliesTo replies: inout [RedisValue]) -> RedisError? {
        guard !isBroken else {
            return .connectionLost(command: commands.first?.name ?? "a command", message: "the connection was already broken")
        }
        guard case .hiredis(let context) = transport else {
            return exchangeOverTLS(commands, appendingRepliesTo: &replies)
        }
        for command in commands {
            let appended = command.encoded.withUnsafeBytes { bytes in
                redisAppendFormattedCommand(context, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
            }
            if appended != REDIS_OK {
                return connectionFailure(during: command.name, context: context)
            }
        }
        for command in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(context, &raw) != REDIS_OK || raw == nil {
                return connectionFailure(during: command.name, context: context)
            }
            replies.append(takeReply(raw!))
        }
        return nil
    }

    /// Waits for the next reply the server sends unasked: a message on a channel this connection
    /// subscribed to. Silence longer than the command timeout throws ``RedisError/timeout(command:seconds:)``
    /// and breaks the connection, as any other wait does.
    func nextMessage() throws(RedisError) -> RedisValue {
        guard !isBroken else {
            throw .connectionLost(command: "SUBSCRIBE", message: "the connection was already broken")
        }
        switch transport {
        case .hiredis(let context):
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(context, &raw) != REDIS_OK || raw == nil {
                throw connectionFailure(during: "SUBSCRIBE", context: context)
            }
            return takeReply(raw!)
        case .tls(let channel):
            do throws(RedisError) {
                return takeReply(try channel.nextReply(command: "SUBSCRIBE"))
            } catch {
                hasFailed = true
                throw error
            }
        }
    }

    /// ``exchange(_:appendingRepliesTo:)`` on a TLS connection: the same steps, with the bytes
    /// written and read by the channel instead of hiredis.
    private func exchangeOverTLS(_ commands: some Collection<RedisCommand>, appendingRepliesTo replies: inout [RedisValue]) -> RedisError? {
        guard case .tls(let channel) = transport, let first = commands.first else { return nil }
        for command in commands {
            channel.append(command.encoded)
        }
        do throws(RedisError) {
            try channel.flush(command: first.name)
            for command in commands {
                replies.append(takeReply(try channel.nextReply(command: command.name)))
            }
        } catch {
            hasFailed = true
            return error
        }
        return nil
    }

    /// Converts and frees one hiredis reply, noting a failover that makes this connection unusable.
    private func takeReply(_ raw: UnsafeMutableRawPointer) -> RedisValue {
        let value = Self.value(of: raw.assumingMemoryBound(to: redisReply.self))
        freeReplyObject(raw)
        if case .error(let message) = value, Self.isFailover(message) {
            hasFailed = true
        }
        return value
    }

    private func handshake() throws(RedisError) {
        do {
            try authenticateAndSelect()
        } catch {
            // A TLS server may answer clear text with a TLS alert record (content type 0x15), which
            // hiredis reads as a reply type it does not know.
            if case .protocolError(_, let message) = error, case .hiredis = transport, message.contains("\"\\x15\"") {
                throw .serverExpectsTLS(address: configuration.displayAddress, message: "it sent a TLS alert")
            }
            // Not when close() shut the socket: that is this client's doing, not the server's.
            guard case .connectionLost(_, let message) = error, case .tcp = configuration.endpoint, interrupter?.isInterrupted != true else {
                throw error
            }
            switch transport {
            case .hiredis:
                // A TLS port drops a client whose first bytes are not a TLS handshake, before any reply.
                throw .serverExpectsTLS(address: configuration.displayAddress, message: message)
            case .tls:
                // With TLS 1.3 the server checks the client's certificate after the client's handshake
                // is done; refused, it sends an alert and closes, and the reset that the unread first
                // command causes often discards the alert before it is read.
                throw .tlsFailed(address: configuration.displayAddress, failure: .refusedByServer(reason: "it closed the connection right after the handshake: \(message)"))
            }
        }
    }

    private func authenticateAndSelect() throws(RedisError) {
        let address = configuration.displayAddress
        if let password = configuration.password {
            let command = configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
            do {
                _ = try send(command)
            } catch .errorReply(_, let message) {
                throw .authenticationFailed(address: address, message: message)
            }
        }
        do {
            if configuration.database != 0 {
                _ = try send(RedisCommand("SELECT", configuration.database))
            } else {
                // Without AUTH or SELECT nothing would reveal a server that demands a password until the
                // first real command; a PING makes a wrong setup fail here, with a clear message.
                _ = try send(RedisCommand("PING"))
            }
        } catch .errorReply(let command, let message) {
            // An ACL user without PING (a read-only role) still proves here that the server answers
            // and took the credentials: what the PING is for.
            if command == "PING" && message.hasPrefix("NOPERM") { return }
            if message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") {
                throw .authenticationFailed(address: address, message: "\(message.hasSuffix(".") ? String(message.dropLast()) : message) (the URL has no password)")
            }
            throw .errorReply(command: command, message: message)
        }
    }

    private func connectionFailure(during command: String, context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let code = context.pointee.err
        let savedErrno = errno
        let message = Self.errorText(of: context)
        hasFailed = true
        if code == REDIS_ERR_IO && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK) {
            return .timeout(command: command, seconds: configuration.commandTimeout)
        }
        if code == REDIS_ERR_PROTOCOL {
            return .protocolError(command: command, message: message)
        }
        return .connectionLost(command: command, message: message.isEmpty ? "connection closed" : message)
    }

    private static func isFailover(_ message: String) -> Bool {
        message.hasPrefix("READONLY") || message.hasPrefix("NOREPLICAS") || message.hasPrefix("UNBLOCKED")
    }

    private static func errorText(of context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let length = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes.prefix(length), as: UTF8.self)
        }
    }

    /// Converts a hiredis reply tree into a ``RedisValue``; the caller frees the C reply right after.
    static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(node.str, node.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(node.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(node.elements)
            for index in 0..<node.elements {
                elements.append(value(of: node.element[index]!))
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }
}
