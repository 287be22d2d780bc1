import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
@testable import RedisClient
import Testing

/// `close()`: queued requests fail, a round trip in flight is cut short, later requests fail at once,
/// and the connection thread is gone when it returns.
@Suite("Client close", .timeLimit(.minutes(1)))
struct RedisClientCloseTests {
    @Test func closeThenSendThrowsClientClosed() async throws {
        let client = try await RedisTestServer.shared().makeClient()
        #expect(try await client.send("PING") == .status("PONG"))
        await client.close()
        let error = await #expect(throws: RedisError.self) { try await client.send("PING") }
        #expect(error == .clientClosed(command: "PING"))
        #expect(error?.isConnectionError == false)
        #expect(error?.description == "The Redis client was closed before PING could be sent.")
        let pipelineError = await #expect(throws: RedisError.self) { try await client.pipeline([RedisCommand("get", "x"), RedisCommand("PING")]) }
        #expect(pipelineError == .clientClosed(command: "GET"))
        let scriptError = await #expect(throws: RedisError.self) { try await client.run(RedisScript("return 1"), keys: [], arguments: []) }
        #expect(scriptError == .clientClosed(command: "EVALSHA"))
        // Closing again is harmless, and the client still refuses work.
        await client.close()
        await client.close()
        #expect(await #expect(throws: RedisError.self) { try await client.send("PING") } == .clientClosed(command: "PING"))
    }

    @Test func closeBeforeFirstUse() async throws {
        let client = try await RedisTestServer.shared().makeClient()
        await client.close()
        #expect(await #expect(throws: RedisError.self) { try await client.connect() } == .clientClosed(command: "PING"))
    }

    /// Requests racing `close()` complete, fail with `clientClosed` (never sent) or, when they were
    /// in flight, with `connectionLost`; none hangs or gets another error.
    @Test func closeWhileRequestsAreInFlight() async throws {
        try await withSharedClient("client-close-race") { _, namespace in
            let client = try await RedisTestServer.shared().makeClient()
            let outcomes = await withTaskGroup(of: Result<RedisValue, any Error>.self) { group in
                for index in 0..<100 {
                    group.addTask { await capture { try await client.send("INCR", "\(namespace):n-\(index % 5)") } }
                }
                group.addTask {
                    await Task.yield()
                    await client.close()
                    return .success(.null)
                }
                return await group.reduce(into: [Result<RedisValue, any Error>]()) { $0.append($1) }
            }
            #expect(outcomes.count == 101)
            for outcome in outcomes {
                switch outcome {
                case .success(let value): #expect(value == .null || value.integer != nil)
                case .failure(RedisError.clientClosed("INCR")): break
                case .failure(RedisError.connectionLost("INCR", "the client was closed before the reply arrived")): break
                case .failure(let error): Issue.record("unexpected error \(error)")
                }
            }
            #expect(await #expect(throws: RedisError.self) { try await client.send("PING") } == .clientClosed(command: "PING"))
        }
    }

    /// A server busy with a script looks hung to the client: close() returns at once anyway, failing the
    /// queued request (never sent) and the one in flight (it may have run).
    @Test func closeCutsARoundTripToABusyServerShort() async throws {
        let server = try await startBusyServer()
        defer { server.stopInBackground() }
        let client = try server.makeClient()
        try await server.makeClient().closing { observer throws in
            let slow = Task { try await client.run(slowScript, keys: [], arguments: [4]) }
            #expect(await waitUntilBusy(observer), "the slow script never ran")
            let queued = Task { try await client.send("INCR", "counter") }
            #expect(await eventually { client.queuedRequestCount == 1 }, "the INCR never reached the queue")

            let closedAt = ContinuousClock.now
            await client.close()
            let waited = ContinuousClock.now - closedAt
            #expect(await isBusy(observer), "close() waited for the script to end")
            #expect(waited < .seconds(2), "close() took \(waited)")

            let slowError = await #expect(throws: RedisError.self) { try await slow.value }
            #expect(slowError == .connectionLost(command: "EVALSHA", message: "the client was closed before the reply arrived"))
            #expect(slowError?.description.contains("may or may not have run") == true)
            let queuedError = await #expect(throws: RedisError.self) { try await queued.value }
            #expect(queuedError == .clientClosed(command: "INCR"))
            #expect(await #expect(throws: RedisError.self) { try await client.send("PING") } == .clientClosed(command: "PING"))
            await client.close()

            #expect(await eventually { !(await isBusy(observer)) })
            #expect(try await observer.send("GET", "counter") == .null, "the queued INCR was sent")
        }
    }

    /// Each close joins its client's thread: none is left once close() returns.
    @Test func closingManyClientsLeavesNoThreadBehind() async throws {
        let configuration = try await sharedConfiguration()
        let name = "close-loop-test"
        for _ in 0..<100 {
            let client = RedisClient(configuration: configuration, threadName: name)
            #expect(try await client.send("PING") == .status("PONG"))
            await client.close()
        }
        // Closed from many tasks at once, twice each, some with requests still queued.
        let clients = (0..<20).map { _ in RedisClient(configuration: configuration, threadName: name) }
        await withTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask { _ = try? await client.send("PING") }
                group.addTask { await client.close() }
                group.addTask { await client.close() }
            }
        }
        #expect(threadCount(named: name) == 0)
    }

    /// A client dropped without close() cannot join its thread without blocking the caller of
    /// `deinit`; the thread ends on its own.
    @Test func aClientDroppedWithoutCloseEndsItsThread() async throws {
        let name = "dropped-client"
        func useAndDrop() async throws {
            let client = RedisClient(configuration: try await sharedConfiguration(), threadName: name)
            #expect(try await client.send("PING") == .status("PONG"))
        }
        for _ in 0..<10 { try await useAndDrop() }
        #expect(await eventually { threadCount(named: name) == 0 }, "\(threadCount(named: name)) threads left")
    }
}
