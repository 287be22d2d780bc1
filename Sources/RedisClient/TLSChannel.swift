import CHiredis

/// Redis's protocol over a ``TLSSocket``: the commands go out as ``RedisCommand`` encoded them and hiredis
/// parses the replies (a `redisReader`), exactly as it does on its own sockets, so a reply over TLS
/// is the same C reply tree ``RedisConnection`` converts for plain connections; only the bytes travel
/// through OpenSSL. See ``TLSSocket`` for why hiredis does not do the I/O itself.
final class TLSChannel {
    let socket: TLSSocket
    private let reader: UnsafeMutablePointer<redisReader>
    /// Formatted commands not written yet: a pipeline goes out in one `SSL_write`, one TLS record
    /// where it fits, as hiredis's output buffer makes one `write(2)`.
    private var output: [UInt8] = []
    /// One TLS record's worth, the most a single `SSL_read` returns.
    private var input = [UInt8](repeating: 0, count: 16_384)

    init(socket: TLSSocket) {
        self.socket = socket
        // hiredis's default reply functions: replies are freed with freeReplyObject, as on plain connections.
        reader = redisReaderCreate()
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Adds one command, already in Redis's wire format, to the output.
    func append(_ encoded: [UInt8]) {
        output.append(contentsOf: encoded)
    }

    /// Writes the formatted commands; `command` names the first of them in an error.
    func flush(command: String) throws(RedisError) {
        defer {
            // A huge pipeline (a bulk push) must not pin its buffer for the connection's life.
            if output.capacity > 1 << 20 { output = [] } else { output.removeAll(keepingCapacity: true) }
        }
        var failure: RedisError?
        output.withUnsafeBytes { bytes in
            do throws(RedisError) { try socket.write(bytes, command: command) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The next reply, reading from the socket until hiredis has a whole one; the caller frees it
    /// with `freeReplyObject`.
    func nextReply(command: String) throws(RedisError) -> UnsafeMutableRawPointer {
        while true {
            var reply: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &reply) == REDIS_OK else {
                throw .protocolError(command: command, message: readerError())
            }
            if let reply { return reply }
            var received = 0
            var failure: RedisError?
            input.withUnsafeMutableBytes { buffer in
                do throws(RedisError) { received = try socket.read(into: buffer, command: command) } catch { failure = error }
            }
            if let failure { throw failure }
            let fed = input.withUnsafeBytes { redisReaderFeed(reader, $0.baseAddress!.assumingMemoryBound(to: CChar.self), received) }
            guard fed == REDIS_OK else {
                throw .protocolError(command: command, message: readerError())
            }
        }
    }

    private func readerError() -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            return String(decoding: bytes.prefix(bytes.firstIndex(of: 0) ?? bytes.count), as: UTF8.self)
        }
    }
}
