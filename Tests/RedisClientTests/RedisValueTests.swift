import ConveyorSupport
@testable import RedisClient
import Testing

/// Pure parts of the client: reply accessors, command encoding, error classification and backoff.
@Suite("Values, commands, errors and backoff")
struct RedisValueTests {
    @Test func replyAccessors() {
        #expect(RedisValue.status("OK").string == "OK")
        #expect(RedisValue.status("OK").bytes == Array("OK".utf8))
        #expect(RedisValue.bulkString(Array("héllo".utf8)).string == "héllo")
        #expect(RedisValue.bulkString([0, 255]).bytes == [0, 255])
        #expect(RedisValue.bulkString([]).string == "")
        #expect(RedisValue.bulkString([]).isNull == false)
        #expect(RedisValue.integer(-42).string == "-42")
        #expect(RedisValue.integer(-42).integer == -42)
        #expect(RedisValue.bulkString(Array("1234".utf8)).integer == 1234)
        #expect(RedisValue.bulkString(Array("12x".utf8)).integer == nil)
        #expect(RedisValue.status("12").integer == nil)
        #expect(RedisValue.null.isNull)
        #expect(RedisValue.null.string == nil)
        #expect(RedisValue.null.bytes == nil)
        #expect(RedisValue.error("ERR x").string == nil)
        #expect(RedisValue.error("ERR x").isNull == false)
        #expect(RedisValue.array([.integer(1), .null]).array == [.integer(1), .null])
        #expect(RedisValue.integer(1).array == nil)
        #expect(RedisValue.array([]).string == nil)
    }

    @Test func commandEncoding() {
        let command = RedisCommand("zadd", "key", 5, 1.5, [0, 13, 10, 255] as [UInt8], "é"[...])
        #expect(command.name == "ZADD")
        #expect(command.arguments == [Array("zadd".utf8), Array("key".utf8), Array("5".utf8), Array("1.5".utf8), [0, 13, 10, 255], Array("é".utf8)])
        #expect(RedisCommand("DEL", arguments: []).arguments == [Array("DEL".utf8)])
        #expect(RedisCommand("set", arguments: ["a", Int.min]).arguments.last == Array("-9223372036854775808".utf8))
        #expect(RedisCommand(rawArguments: [Array("get".utf8), [0]]).name == "GET")
        #expect(RedisCommand("PING") == RedisCommand(rawArguments: [Array("PING".utf8)]))
    }

    /// The bytes that go on the wire, exactly: hiredis sends them as they are.
    @Test func commandWireFormat() {
        let long = String(repeating: "x", count: 1234)
        let command = RedisCommand("SET", "", Int.min, 0, -7, 12, [13, 10, 0] as [UInt8], long)
        let expected = "*8\r\n$3\r\nSET\r\n$0\r\n\r\n$20\r\n-9223372036854775808\r\n$1\r\n0\r\n$2\r\n-7\r\n$2\r\n12\r\n$3\r\n\r\n\0\r\n$1234\r\n\(long)\r\n"
        #expect(command.encoded == Array(expected.utf8))
        #expect(command.arguments.count == 8)
        #expect(command.arguments[6] == [13, 10, 0])
        #expect(command.arguments[7].count == 1234)
        var changed = command
        changed.arguments = [Array("get".utf8), Array("k".utf8)]
        #expect(changed.encoded == Array("*2\r\n$3\r\nget\r\n$1\r\nk\r\n".utf8))
        #expect(changed.name == "GET")
        // A string without contiguous UTF-8 (bridged or lazily built) takes the slower path, same bytes.
        #expect(RedisCommand("ECHO", "é"[...]).encoded == Array("*2\r\n$4\r\nECHO\r\n$2\r\né\r\n".utf8))
    }

    @Test func connectionErrorClassification() {
        #expect(RedisError.connectionFailed(address: "a", message: "m").isConnectionError)
        #expect(RedisError.timeout(command: "GET", seconds: 1).isConnectionError)
        #expect(RedisError.connectionLost(command: "GET", message: "m").isConnectionError)
        #expect(RedisError.protocolError(command: "GET", message: "m").isConnectionError)
        #expect(!RedisError.errorReply(command: "GET", message: "m").isConnectionError)
        #expect(!RedisError.authenticationFailed(address: "a", message: "m").isConnectionError)
        #expect(!RedisError.clientClosed(command: "GET").isConnectionError)
        #expect(!RedisError.invalidURL("u", reason: "r").isConnectionError)
        #expect(!RedisError.tlsFailed(address: "rediss://h:6380/0", failure: .hostMismatch(host: "h")).isConnectionError)
    }

    @Test func errorDescriptionsNameTheCommandAndAddress() {
        #expect(String(describing: RedisError.timeout(command: "DEBUG", seconds: 0.5)).contains("DEBUG"))
        #expect(String(describing: RedisError.timeout(command: "DEBUG", seconds: 0.5)).contains("0.5 seconds"))
        #expect(String(describing: RedisError.timeout(command: "GET", seconds: 10)).contains("10 seconds"))
        #expect(String(describing: RedisError.errorReply(command: "LPUSH", message: "WRONGTYPE x")) == "Redis answered LPUSH with an error: WRONGTYPE x")
        #expect(String(describing: RedisError.connectionFailed(address: "redis://h:1/0", message: "Connection refused")).contains("redis://h:1/0"))
        #expect(String(describing: RedisError.clientClosed(command: "PING")).contains("PING"))
    }

    /// The library says what happened; the flags and environment variables an address comes from are
    /// the executables' to add (see `conveyor`'s and WorkerMain's advice).
    @Test func errorDescriptionsAreSentencesWithoutCommandLineAdvice() {
        let errors: [RedisError] = [
            .invalidURL("redis://h:x/0", reason: "the port 'x' is not a number"),
            .tlsFailed(address: "rediss://h:6380/0", failure: .untrustedCertificate(reason: "unable to get local issuer certificate")),
            .tlsFailed(address: "rediss://h:6380/0", failure: .fileUnusable(.caCertificate, path: "/ca.crt", reason: "No such file or directory")),
            .tlsFailed(address: "rediss://h:6380/0", failure: .notTLSServer(reason: "wrong version number")),
            .tlsFailed(address: "rediss://h:6380/0", failure: .incompleteClientIdentity(missing: .privateKey)),
            .serverExpectsTLS(address: "redis://h:6380/0", message: "Connection reset by peer"),
            .connectionFailed(address: "redis://h:1/0", message: "Connection refused"),
            .authenticationFailed(address: "redis://h:1/0", message: "WRONGPASS invalid username-password pair or user is disabled."),
            .timeout(command: "GET", seconds: 10),
            .errorReply(command: "LPUSH", message: "WRONGTYPE Operation against a key holding the wrong kind of value"),
            .protocolError(command: "GET", message: "Protocol error, got \"x\" as reply type byte"),
            .connectionLost(command: "GET", message: "Server closed the connection"),
            .clientClosed(command: "GET"),
        ]
        for error in errors {
            let text = error.description
            #expect(!text.contains("--") && !text.contains("REDIS_URL"), "\(text)")
            #expect(text.first?.isUppercase == true, "\(text)")
        }
        #expect(RedisError.connectionFailed(address: "redis://h:1/0", message: "Connection refused").description
            == "Could not connect to Redis at redis://h:1/0: Connection refused.")
        #expect(RedisError.connectionLost(command: "INCR", message: "the client was closed before the reply arrived").description
            == "The connection to Redis was lost during INCR (the client was closed before the reply arrived); the command may or may not have run.")
    }

    @Test func backoffDoublesWithJitterUpToTheCap() {
        var backoff = RetryBackoff(initialDelay: 0.1, maximumDelay: 1)
        #expect(!backoff.isBackingOff)
        let bases = [0.1, 0.2, 0.4, 0.8, 1, 1, 1]
        for base in bases {
            let delay = backoff.nextDelay()
            #expect(delay >= base * 0.75 - 1e-12 && delay <= base + 1e-12, "delay \(delay) for base \(base)")
            #expect(backoff.isBackingOff)
        }
        for _ in 0..<100 {
            let delay = backoff.nextDelay()
            #expect(delay.isFinite && delay >= 0.75 - 1e-12 && delay <= 1 + 1e-12)
        }
        backoff.reset()
        #expect(!backoff.isBackingOff)
        let first = backoff.nextDelay()
        #expect(first >= 0.075 - 1e-12 && first <= 0.1 + 1e-12)
    }
}
