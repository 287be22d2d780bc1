import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
@testable import RedisClient
import Testing

/// Task cancellation on the async client. The slow requests are Lua scripts on a private server that
/// answers other connections `BUSY` while one runs, so a test knows the slow request was written.
@Suite("Client cancellation", .timeLimit(.minutes(1)))
struct RedisClientCancellationTests {
    /// How long the slow script holds the server: long enough that "at once" cannot be confused with
    /// "when the script ended", on a loaded machine too.
    static let slowSeconds = 4

    @Test func aRequestCancelledWhileQueuedReturnsAtOnceAndIsNeverSent() async throws {
        let server = try await startBusyServer()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            try await server.makeClient().closing { observer throws in
                let slow = Task { try await client.run(slowScript, keys: [], arguments: [Self.slowSeconds]) }
                #expect(await waitUntilBusy(observer), "the slow script never ran")
                let queued = Task { try await client.send("INCR", "counter") }
                #expect(await eventually { client.queuedRequestCount == 1 }, "the INCR never reached the queue")

                let cancelledAt = ContinuousClock.now
                queued.cancel()
                let outcome = await queued.result
                let waited = ContinuousClock.now - cancelledAt
                #expect(throws: CancellationError.self) { try outcome.get() }
                #expect(await isBusy(observer), "the INCR's caller was held until the script ended")
                #expect(waited < .seconds(2), "the cancelled caller waited \(waited)")
                #expect(client.queuedRequestCount == 0)

                #expect(try await slow.value == .integer(1))
                #expect(try await client.send("GET", "counter") == .null, "the cancelled INCR was sent")
                try await expectRepliesMatched(client)
            }
        }
    }

    /// A written request cannot be unwritten: its caller is released at once, and its reply is read and
    /// dropped so the requests behind it get their own replies.
    @Test func aRequestCancelledInFlightReturnsAtOnceAndItsReplyIsDropped() async throws {
        let server = try await startBusyServer()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            try await server.makeClient().closing { observer throws in
                let slow = Task { try await client.run(slowScript, keys: ["counter"], arguments: [Self.slowSeconds]) }
                #expect(await waitUntilBusy(observer), "the slow script never ran")
                #expect(client.queuedRequestCount == 0)
                let follower = Task { try await client.send("ECHO", "follower") }
                #expect(await eventually { client.queuedRequestCount == 1 }, "the ECHO never reached the queue")

                let cancelledAt = ContinuousClock.now
                slow.cancel()
                let outcome = await slow.result
                let waited = ContinuousClock.now - cancelledAt
                #expect(throws: CancellationError.self) { try outcome.get() }
                #expect(await isBusy(observer), "the script's caller was held until the script ended")
                #expect(waited < .seconds(2), "the cancelled caller waited \(waited)")

                // The script's reply (1) goes nowhere; the request queued behind it gets its own.
                #expect(try await follower.value == .bulkString(Array("follower".utf8)))
                #expect(try await client.send("ECHO", "after") == .bulkString(Array("after".utf8)))
                try await expectRepliesMatched(client)
            }
        }
    }

    /// A blocking command sent through the async client is a request like any other: cancelling its
    /// task releases the caller before the command times out on the server.
    @Test func aBlockingCommandCanBeCancelled() async throws {
        try await withSharedClient("cancel-blpop") { client, namespace in
            // Named, so CLIENT LIST on another connection shows when this one is blocked.
            try await client.send("CLIENT", "SETNAME", namespace)
            let blocked = Task { try await client.send("BLPOP", "\(namespace):empty", 3) }
            #expect(await eventually { (try? await isBlocked(clientNamed: namespace)) == true }, "BLPOP never reached the server")
            let cancelledAt = ContinuousClock.now
            blocked.cancel()
            let outcome = await blocked.result
            #expect(throws: CancellationError.self) { try outcome.get() }
            #expect(ContinuousClock.now - cancelledAt < .seconds(2))
            // The BLPOP's nil reply, when it comes, is dropped.
            #expect(try await client.send("ECHO", "after") == .bulkString(Array("after".utf8)))
        }
    }

    @Test func aTaskCancelledBeforeTheCallSendsNothing() async throws {
        try await withSharedClient("cancel-before") { client, namespace throws in
            let key = "\(namespace):counter"
            let outcomes = await Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return [
                    await capture { try await client.send("INCR", key) },
                    await capture { try await client.pipeline([RedisCommand("INCR", key)])[0] },
                    await capture { try await client.run(RedisScript("return redis.call('INCR', KEYS[1])"), keys: [key], arguments: []) },
                    await capture { try await client.connect(); return RedisValue.null },
                ]
            }.value
            for outcome in outcomes {
                #expect(throws: CancellationError.self) { try outcome.get() }
            }
            #expect(try await client.send("GET", key) == .null, "a cancelled task sent its INCR")
            #expect(try await client.send("INCR", key) == .integer(1))
        }
    }

    /// Many callers, every third one cancelled at a random moment: the others each get their own value.
    @Test func repliesStayWithTheirCallersWhileOthersAreCancelled() async throws {
        try await withSharedClient("cancel-mixed") { client, namespace in
            let tasks = (0..<300).map { index in
                Task { () -> Result<RedisValue, any Error> in
                    let key = "\(namespace):key-\(index)"
                    return await capture {
                        try await client.send("SET", key, "value-\(index)")
                        return try await client.send("GET", key)
                    }
                }
            }
            for (index, task) in tasks.enumerated() where index.isMultiple(of: 3) {
                if Bool.random() { await Task.yield() }
                task.cancel()
            }
            for (index, task) in tasks.enumerated() {
                switch await task.value {
                case .success(let value):
                    #expect(value == .bulkString(Array("value-\(index)".utf8)), "task \(index) got another caller's reply")
                case .failure(let error):
                    #expect(index.isMultiple(of: 3) && error is CancellationError, "task \(index): \(error)")
                }
            }
            try await expectRepliesMatched(client)
        }
    }
}

/// Whether the shared server's client named `name` is blocked in `BLPOP`.
private func isBlocked(clientNamed name: String) async throws -> Bool {
    try await RedisTestServer.shared().makeClient().closing { observer throws in
        let list = try await observer.send("CLIENT", "LIST").string ?? ""
        return list.split(separator: "\n").contains { $0.contains(" name=\(name) ") && $0.contains("cmd=blpop") }
    }
}
