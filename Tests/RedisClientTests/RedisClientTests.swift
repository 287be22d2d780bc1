import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// The async ``RedisClient`` against the shared server (private servers where a test changes
/// server-wide state).
@Suite("Async client", .timeLimit(.minutes(1)))
struct RedisClientTests {
    @Test func concurrentSendsEachGetTheirOwnReplies() async throws {
        try await withSharedClient("client-concurrent") { client, namespace in
            let counter = "\(namespace):counter"
            let results = try await withThrowingTaskGroup(of: (Int, RedisValue, RedisValue, RedisValue).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let key = "\(namespace):key-\(index)"
                        let value = "value-\(index)-\(UUID().uuidString)"
                        let stored = try await client.send("SET", key, value)
                        let read = try await client.send("GET", key)
                        let ticket = try await client.send("INCR", counter)
                        #expect(stored == .status("OK"))
                        #expect(read == .bulkString(Array(value.utf8)), "task \(index) read another task's value")
                        return (index, read, ticket, .bulkString(Array(value.utf8)))
                    }
                }
                var all: [(Int, RedisValue, RedisValue, RedisValue)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 200)
            #expect(Set(results.map(\.0)) == Set(0..<200))
            for (_, read, _, expected) in results { #expect(read == expected) }
            // Every INCR ran exactly once and each caller got a distinct ticket.
            #expect(Set(results.compactMap { $0.2.integer }) == Set(1...200))
            #expect(try await client.send("GET", counter).integer == 200)
        }
    }

    @Test func concurrentErrorRepliesStayWithTheirCallers() async throws {
        try await withSharedClient("client-mixed") { client, namespace in
            let stringKey = "\(namespace):string"
            try await client.send("SET", stringKey, "not a list")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        if index.isMultiple(of: 2) {
                            let error = await #expect(throws: RedisError.self) { try await client.send("LPUSH", stringKey, "x") }
                            guard case .errorReply("LPUSH", let message)? = error else {
                                Issue.record("task \(index): expected an LPUSH error reply, got \(String(describing: error))")
                                return
                            }
                            #expect(message.hasPrefix("WRONGTYPE"))
                        } else {
                            let reply = try await client.send("INCRBY", "\(namespace):n-\(index)", index)
                            #expect(reply == .integer(index))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func pipelineReturnsRepliesInOrder() async throws {
        try await withSharedClient("client-pipeline") { client, namespace in
            let key = "\(namespace):counter"
            let replies = try await client.pipeline(Array(repeating: RedisCommand("INCR", key), count: 1000))
            #expect(replies == (1...1000).map { RedisValue.integer($0) })
            #expect(try await client.pipeline([]) == [])

            let mixed = try await client.pipeline([
                RedisCommand("SET", "\(namespace):s", "v"),
                RedisCommand("LPUSH", "\(namespace):s", "x"),
                RedisCommand("GET", "\(namespace):s"),
                RedisCommand("GET", "\(namespace):missing"),
            ])
            #expect(mixed.count == 4)
            #expect(mixed[0] == .status("OK"))
            if case .error(let message) = mixed[1] { #expect(message.hasPrefix("WRONGTYPE")) } else { Issue.record("expected an error reply, got \(mixed[1])") }
            #expect(mixed[2] == .bulkString(Array("v".utf8)))
            #expect(mixed[3] == .null)
        }
    }

    @Test func concurrentPipelinesDoNotInterleave() async throws {
        try await withSharedClient("client-pipelines") { client, namespace in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let key = "\(namespace):p-\(index)"
                        let replies = try await client.pipeline(Array(repeating: RedisCommand("INCR", key), count: 50) + [RedisCommand("GET", key)])
                        #expect(Array(replies.prefix(50)) == (1...50).map { RedisValue.integer($0) }, "pipeline \(index)")
                        #expect(replies.last?.integer == 50)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func binaryAndLargeValues() async throws {
        try await withSharedClient("client-binary") { client, namespace in
            let everyByte: [UInt8] = (0...255).map { UInt8($0) }
            try await client.send("SET", "\(namespace):bytes", everyByte)
            #expect(try await client.send("GET", "\(namespace):bytes") == .bulkString(everyByte))

            let withNul: [UInt8] = Array("a\0b\r\nc".utf8)
            try await client.send("SET", "\(namespace):nul", withNul)
            #expect(try await client.send("STRLEN", "\(namespace):nul") == .integer(withNul.count))
            #expect(try await client.send("GET", "\(namespace):nul").bytes == withNul)

            try await client.send("SET", "\(namespace):empty", "")
            #expect(try await client.send("GET", "\(namespace):empty") == .bulkString([]))

            let big = patternBytes(count: 10 * 1024 * 1024)
            try await client.send("SET", "\(namespace):big", big)
            let read = try await client.send("GET", "\(namespace):big")
            #expect(read.bytes?.count == big.count)
            #expect(read == .bulkString(big))
        }
    }

    @Test func repliesAndErrorsThroughTheClient() async throws {
        try await withSharedClient("client-replies") { client, namespace in
            try await client.connect()
            #expect(try await client.send("PING") == .status("PONG"))
            #expect(try await client.send("GET", "\(namespace):missing") == .null)
            #expect(try await client.send("INCR", "\(namespace):n") == .integer(1))
            try await client.send("RPUSH", "\(namespace):list", "a", "b")
            #expect(try await client.send("LRANGE", "\(namespace):list", 0, -1) == .array([.bulkString(Array("a".utf8)), .bulkString(Array("b".utf8))]))
            let error = await #expect(throws: RedisError.self) { try await client.send(RedisCommand("incr", "\(namespace):list")) }
            guard case .errorReply(let command, let message)? = error else {
                Issue.record("expected an error reply, got \(String(describing: error))")
                return
            }
            #expect(command == "INCR")
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(String(describing: error!).contains("INCR"))
            #expect(String(describing: error!).contains("WRONGTYPE"))
            // The connection survives an error reply.
            #expect(try await client.send("PING") == .status("PONG"))
        }
    }

    /// `SCRIPT FLUSH` is server-wide, so this runs on a private server.
    @Test func scriptRunsBySHAWithNoscriptFallback() async throws {
        let server = try await startPrivateServer()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            let script = RedisScript("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}")
            func cached() async throws -> RedisValue { try await client.send("SCRIPT", "EXISTS", script.sha1) }

            // The server computes the same SHA-1 as the client.
            #expect(try await client.send("SCRIPT", "LOAD", script.source) == .bulkString(Array(script.sha1.utf8)))
            #expect(try await cached() == .array([.integer(1)]))
            #expect(try await client.run(script, keys: ["counter"], arguments: ["a"]).array?.last == .integer(1))

            #expect(try await client.send("SCRIPT", "FLUSH") == .status("OK"))
            #expect(try await cached() == .array([.integer(0)]))
            let reply = try await client.run(script, keys: ["counter"], arguments: ["b"])
            #expect(reply == .array([.bulkString(Array("counter".utf8)), .bulkString(Array("b".utf8)), .integer(2)]))
            #expect(try await cached() == .array([.integer(1)]))

            // Concurrent runs after another flush: every caller gets its own reply.
            try await client.send("SCRIPT", "FLUSH")
            let tickets = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.run(script, keys: ["counter"], arguments: ["c"]).array?.last?.integer ?? -1 }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(Set(tickets) == Set(3...22))

            let failing = RedisScript("return redis.error_reply('NOPE custom')")
            let error = await #expect(throws: RedisError.self) { try await client.run(failing, keys: [], arguments: []) }
            #expect(error == .errorReply(command: "EVALSHA", message: "NOPE custom"))
        }
    }
}
