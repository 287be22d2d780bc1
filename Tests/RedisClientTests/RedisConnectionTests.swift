import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// The blocking ``RedisConnection`` against the shared server, always on a thread of its own.
@Suite("Blocking connection", .timeLimit(.minutes(1)))
struct RedisConnectionTests {
    /// Opens a connection to the shared server and runs `body` with a fresh namespace; every key under
    /// it is deleted afterwards.
    func withNamespacedConnection<T: Sendable>(
        _ label: String,
        database: Int? = nil,
        _ body: @escaping @Sendable (RedisConnection, String) throws -> T
    ) async throws -> T {
        var configuration = try await sharedConfiguration()
        if let database { configuration.database = database }
        let namespace = RedisTestServer.uniqueNamespace(label)
        let result = await capture { try await withConnection(configuration) { try body($0, namespace) } }
        try await deleteKeys(under: namespace, url: RedisTestServer.shared().url, database: configuration.database)
        return try result.get()
    }

    @Test func setAndGet() async throws {
        let replies = try await withNamespacedConnection("conn-setget") { connection, namespace in
            let key = "\(namespace):greeting"
            return [
                try connection.send(RedisCommand("SET", key, "hello")),
                try connection.send(RedisCommand("GET", key)),
                try connection.send(RedisCommand("EXISTS", key)),
                try connection.send(RedisCommand("DEL", key)),
                try connection.send(RedisCommand("GET", key)),
            ]
        }
        #expect(replies == [.status("OK"), .bulkString(Array("hello".utf8)), .integer(1), .integer(1), .null])
        #expect(replies[1].string == "hello")
    }

    /// Values and keys the RESP framing could trip over: every byte, NUL, CR LF, a fake RESP frame, nothing.
    static let awkwardValues: [[UInt8]] = [
        (0...255).map { UInt8($0) },
        [0x61, 0x00, 0x62, 0x00],
        Array("line one\r\nline two\r\n".utf8),
        Array("*1\r\n$4\r\nPING\r\n".utf8),
        [0x0D],
        [],
        Array("héllo ✓".utf8),
    ]

    @Test func binarySafeValuesAndKeys() async throws {
        let values = Self.awkwardValues
        let results = try await withNamespacedConnection("conn-binary") { connection, namespace in
            var results: [(stored: RedisValue, length: RedisValue, read: RedisValue, keyRead: RedisValue)] = []
            for (index, value) in values.enumerated() {
                let key = Array("\(namespace):\(index)".utf8)
                let binaryKey = Array("\(namespace):".utf8) + [0, 13, 10, 255] + value
                results.append((
                    try connection.send(RedisCommand("SET", key, value)),
                    try connection.send(RedisCommand("STRLEN", key)),
                    try connection.send(RedisCommand("GET", key)),
                    try connection.pipeline([RedisCommand("SET", binaryKey, "v"), RedisCommand("GET", binaryKey)])[1]
                ))
            }
            return results.map { [$0.stored, $0.length, $0.read, $0.keyRead] }
        }
        for (value, result) in zip(values, results) {
            #expect(result == [.status("OK"), .integer(value.count), .bulkString(value), .bulkString(Array("v".utf8))])
        }
        #expect(results.count == values.count)
    }

    @Test func tenMegabyteValueRoundTrip() async throws {
        let value = patternBytes(count: 10 * 1024 * 1024)
        let (length, read, tail) = try await withNamespacedConnection("conn-big") { connection, namespace in
            let key = "\(namespace):big"
            _ = try connection.send(RedisCommand("SET", key, value))
            return (
                try connection.send(RedisCommand("STRLEN", key)),
                try connection.send(RedisCommand("GET", key)),
                try connection.send(RedisCommand("GETRANGE", key, -4, -1))
            )
        }
        #expect(length == .integer(value.count))
        #expect(read.bytes?.count == value.count)
        #expect(read == .bulkString(value))
        #expect(tail == .bulkString(Array(value.suffix(4))))
    }

    @Test func replyConversion() async throws {
        let replies = try await withNamespacedConnection("conn-replies") { connection, namespace in
            let list = "\(namespace):list"
            let counter = "\(namespace):counter"
            return [
                try connection.send(RedisCommand("PING")),
                try connection.send(RedisCommand("GET", "\(namespace):missing")),
                try connection.send(RedisCommand("INCR", counter)),
                try connection.send(RedisCommand("INCRBY", counter, -5)),
                try connection.send(RedisCommand("INCRBY", counter, 1 << 62)),
                try connection.send(RedisCommand("RPUSH", list, "a", "", "c")),
                try connection.send(RedisCommand("LRANGE", list, 0, -1)),
                try connection.send(RedisCommand("LRANGE", "\(namespace):missing", 0, -1)),
                try connection.send(RedisCommand("MGET", counter, "\(namespace):missing")),
                try connection.send(RedisCommand("EVAL", "return {1, {2, 'x'}, redis.status_reply('FINE'), redis.error_reply('BAD thing')}", 0)),
                try connection.send(RedisCommand("EVAL", "return nil", 0)),
            ]
        }
        let expected: [RedisValue] = [
            .status("PONG"),
            .null,
            .integer(1),
            .integer(-4),
            .integer((1 << 62) - 4),
            .integer(3),
            .array([.bulkString(Array("a".utf8)), .bulkString([]), .bulkString(Array("c".utf8))]),
            .array([]),
            .array([.bulkString(Array(String((1 << 62) - 4).utf8)), .null]),
            .array([.integer(1), .array([.integer(2), .bulkString(Array("x".utf8))]), .status("FINE"), .error("BAD thing")]),
            .null,
        ]
        #expect(replies == expected)
        #expect(replies[1].isNull)
        #expect(replies[8].array?.first?.integer == (1 << 62) - 4)
    }

    @Test func errorReplyThrowsNamingTheCommandAndKeepsTheConnection() async throws {
        let (wrongType, unknown, after, isBroken) = try await withNamespacedConnection("conn-error") { connection, namespace in
            let key = "\(namespace):string"
            _ = try connection.send(RedisCommand("SET", key, "x"))
            let wrongType = Result { () throws(RedisError) in try connection.send(RedisCommand("lpush", key, "y")) }
            let unknown = Result { () throws(RedisError) in try connection.send(RedisCommand("NOSUCHCMD", "arg")) }
            let after = try connection.send(RedisCommand("GET", key))
            return (wrongType, unknown, after, connection.isBroken)
        }
        guard case .failure(.errorReply(let command, let message)) = wrongType else {
            Issue.record("expected an error reply, got \(wrongType)")
            return
        }
        #expect(command == "LPUSH")
        #expect(message.hasPrefix("WRONGTYPE"))
        let text = String(describing: RedisError.errorReply(command: command, message: message))
        #expect(text.contains("LPUSH") && text.contains("WRONGTYPE"))
        guard case .failure(.errorReply("NOSUCHCMD", let unknownMessage)) = unknown else {
            Issue.record("expected an error reply, got \(unknown)")
            return
        }
        #expect(unknownMessage.contains("unknown command"))
        #expect(after == .bulkString(Array("x".utf8)))
        #expect(!isBroken)
    }

    @Test func pipelineOfAThousandIncrements() async throws {
        let (replies, final) = try await withNamespacedConnection("conn-pipeline") { connection, namespace in
            let key = "\(namespace):counter"
            let replies = try connection.pipeline(Array(repeating: RedisCommand("INCR", key), count: 1000))
            return (replies, try connection.send(RedisCommand("GET", key)))
        }
        #expect(replies == (1...1000).map { RedisValue.integer($0) })
        #expect(final.integer == 1000)
    }

    @Test func errorReplyInsidePipelineDoesNotHideTheOthers() async throws {
        let (replies, isBroken, empty) = try await withNamespacedConnection("conn-pipeline-error") { connection, namespace in
            let key = "\(namespace):k"
            let replies = try connection.pipeline([
                RedisCommand("SET", key, "v"),
                RedisCommand("LPUSH", key, "x"),
                RedisCommand("GET", key),
                RedisCommand("INCR", key),
                RedisCommand("PING"),
            ])
            return (replies, connection.isBroken, try connection.pipeline([RedisCommand]()))
        }
        #expect(replies.count == 5)
        #expect(replies[0] == .status("OK"))
        guard case .error(let wrongType) = replies[1], case .error(let notInteger) = replies[3] else {
            Issue.record("expected error replies at 1 and 3, got \(replies)")
            return
        }
        #expect(wrongType.hasPrefix("WRONGTYPE"))
        #expect(notInteger.hasPrefix("ERR"))
        #expect(replies[2] == .bulkString(Array("v".utf8)))
        #expect(replies[4] == .status("PONG"))
        #expect(!isBroken)
        #expect(empty.isEmpty)
    }

    @Test func databaseFromTheURLIsSelected() async throws {
        let base = try await sharedConfiguration()
        let other = base.database == 3 ? 4 : 3
        let namespace = RedisTestServer.uniqueNamespace("conn-db")
        let key = "\(namespace):k"
        var selected = base
        selected.database = other
        let result = await capture {
            let inOther = try await withConnection(selected) { connection in
                [try connection.send(RedisCommand("SET", key, "in-\(other)")), try connection.send(RedisCommand("GET", key))]
            }
            let inBase = try await withConnection(base) { try $0.send(RedisCommand("GET", key)) }
            return (inOther, inBase)
        }
        try await deleteKeys(under: namespace, url: RedisTestServer.shared().url, database: other)
        let (inOther, inBase) = try result.get()
        #expect(inOther == [.status("OK"), .bulkString(Array("in-\(other)".utf8))])
        #expect(inBase == .null)
    }

    @Test func scriptFallsBackToEvalAndIsCachedAfterwards() async throws {
        let (before, reply, after, failure) = try await withNamespacedConnection("conn-script") { connection, namespace in
            // A source no other test uses, so the server cannot have cached it yet.
            let script = RedisScript("-- \(namespace)\nreturn {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}")
            let failing = RedisScript("-- \(namespace)\nreturn redis.error_reply('NOPE custom')")
            let key = "\(namespace):counter"
            let before = try connection.send(RedisCommand("SCRIPT", "EXISTS", script.sha1))
            let reply = try connection.run(script, keys: [key], arguments: ["arg"])
            let after = try connection.send(RedisCommand("SCRIPT", "EXISTS", script.sha1))
            let failure = Result { () throws(RedisError) in try connection.run(failing, keys: [], arguments: []) }
            return (before, reply, after, failure)
        }
        #expect(before == .array([.integer(0)]))
        #expect(reply.array?.count == 3)
        #expect(reply.array?[1] == .bulkString(Array("arg".utf8)))
        #expect(reply.array?[2] == .integer(1))
        #expect(after == .array([.integer(1)]))
        #expect(failure == .failure(.errorReply(command: "EVALSHA", message: "NOPE custom")))
    }

    @Test func unixSocketEndpoint() async throws {
        let socketPath = "/tmp/conveyor-rc-\(UUID().uuidString.prefix(8)).sock"
        let server = try await startPrivateServer(extraArguments: ["--unixsocket", socketPath, "--unixsocketperm", "700"])
        defer { server.stopInBackground() }
        let configuration = try RedisConfiguration(url: "unix://\(socketPath)?db=2")
        #expect(configuration.displayAddress == "unix://\(socketPath)?db=2")
        let replies = try await withConnection(configuration) { connection in
            try connection.pipeline([RedisCommand("SET", "k", "over-unix"), RedisCommand("GET", "k"), RedisCommand("CLIENT", "INFO")])
        }
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .bulkString(Array("over-unix".utf8)))
        #expect(replies[2].string?.contains("db=2") == true)
        // The key went to database 2 over the socket, not to database 0.
        try await RedisClient(configuration: try RedisConfiguration(url: server.url)).closing { client throws in
            #expect(try await client.send("GET", "k") == .null)
            #expect(try await client.send("SELECT", 2) == .status("OK"))
            #expect(try await client.send("GET", "k") == .bulkString(Array("over-unix".utf8)))
        }
    }
}
