import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// What happens when things go wrong: nothing listening, wrong credentials, a server that stops and
/// comes back, a slow reply, a failover. Each test runs its own redis-server and stops it.
@Suite("Failures and recovery", .timeLimit(.minutes(1)))
struct RedisFailureTests {
    @Test func connectionRefusedNamesTheAddress() async throws {
        // A port that just had a server on it and now has none.
        let server = try await startPrivateServer()
        let url = server.url
        let port = try port(of: url)
        await server.stop()

        try await RedisClient(configuration: try RedisConfiguration(url: url)).closing { client throws in
            let error = await #expect(throws: RedisError.self) { try await client.connect() }
            guard case .connectionFailed(let address, let message)? = error else {
                Issue.record("expected connectionFailed, got \(String(describing: error))")
                return
            }
            #expect(address == "redis://127.0.0.1:\(port)/0")
            #expect(message.lowercased().contains("refused"), "message: \(message)")
            #expect(String(describing: error!).contains("127.0.0.1:\(port)"))
            #expect(error!.isConnectionError)

            // The blocking connection says the same.
            let configuration = try RedisConfiguration(url: url)
            let direct = await #expect(throws: RedisError.self) { try await withConnection(configuration) { _ in 0 } }
            guard case .connectionFailed(let directAddress, _)? = direct else {
                Issue.record("expected connectionFailed, got \(String(describing: direct))")
                return
            }
            #expect(directAddress == "redis://127.0.0.1:\(port)/0")
        }
    }

    @Test func passwordProtectedServer() async throws {
        let server = try await startPrivateServer(extraArguments: ["--requirepass", "secret"])
        defer { server.stopInBackground() }
        let port = try port(of: server.url)

        // No password in the URL: AUTH is skipped and the handshake's PING (or SELECT) says NOAUTH.
        for url in ["redis://127.0.0.1:\(port)/0", "redis://127.0.0.1:\(port)/1"] {
            let client = RedisClient(configuration: try RedisConfiguration(url: url))
            let error = await #expect(throws: RedisError.self) { try await client.send("PING") }
            await client.close()
            guard case .authenticationFailed(let address, let message)? = error else {
                Issue.record("\(url): expected authenticationFailed, got \(String(describing: error))")
                continue
            }
            #expect(address == url)
            #expect(message.contains("NOAUTH"))
            #expect(message.contains("the URL has no password"))
            #expect(!error!.isConnectionError)
        }

        // A wrong password.
        let wrong = RedisClient(configuration: try RedisConfiguration(url: "redis://:Wr0ngPassw0rd@127.0.0.1:\(port)/0"))
        let wrongError = await #expect(throws: RedisError.self) { try await wrong.connect() }
        await wrong.close()
        guard case .authenticationFailed(_, let wrongMessage)? = wrongError else {
            Issue.record("expected authenticationFailed, got \(String(describing: wrongError))")
            return
        }
        #expect(wrongMessage.contains("WRONGPASS"))
        #expect(!wrongMessage.contains("the URL has no password"))
        #expect(!String(describing: wrongError!).contains("Wr0ngPassw0rd"))

        // The right password, and the database from the URL.
        try await RedisClient(configuration: try RedisConfiguration(url: "redis://:secret@127.0.0.1:\(port)/2")).closing { right throws in
            #expect(try await right.send("PING") == .status("PONG"))
            #expect(try await right.send("SET", "k", "v") == .status("OK"))
            #expect(try await right.send("CLIENT", "INFO").string?.contains("db=2") == true)
            // An ACL user.
            #expect(try await right.send("ACL", "SETUSER", "alice", "on", ">pw", "~*", "+@all") == .status("OK"))
        }
        try await RedisClient(configuration: try RedisConfiguration(url: "redis://alice:pw@127.0.0.1:\(port)/2")).closing { alice throws in
            #expect(try await alice.send("ACL", "WHOAMI") == .bulkString(Array("alice".utf8)))
            #expect(try await alice.send("GET", "k") == .bulkString(Array("v".utf8)))
        }
        let notAlice = RedisClient(configuration: try RedisConfiguration(url: "redis://alice:nope@127.0.0.1:\(port)/0"))
        let aliceError = await #expect(throws: RedisError.self) { try await notAlice.connect() }
        await notAlice.close()
        guard case .authenticationFailed? = aliceError else {
            Issue.record("expected authenticationFailed, got \(String(describing: aliceError))")
            return
        }
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let first = try await startPrivateServer()
        defer { first.stopInBackground() }
        let port = try port(of: first.url)
        try await RedisClient(configuration: try RedisConfiguration(url: first.url)).closing { client throws in
            #expect(try await client.send("SET", "k", "before") == .status("OK"))

            await first.stop()
            let error = await #expect(throws: RedisError.self) { try await client.send("GET", "k") }
            #expect(error?.isConnectionError == true, "got \(String(describing: error))")
            // Still down: the next attempt fails too, with a connection error.
            let again = await #expect(throws: RedisError.self) { try await client.send("GET", "k") }
            #expect(again?.isConnectionError == true, "got \(String(describing: again))")

            let second = try await RedisTestServer.start(port: port)
            defer { second.stopInBackground() }
            let recovered = await eventually {
                (try? await client.send("PING")) == .status("PONG")
            }
            #expect(recovered, "the client did not reconnect within 10 seconds")
            // A fresh server: the old data is gone, new commands work on the same client.
            #expect(try await client.send("GET", "k") == .null)
            #expect(try await client.send("SET", "k", "after") == .status("OK"))
            #expect(try await client.send("GET", "k") == .bulkString(Array("after".utf8)))
        }
    }

    /// The server drops the connection (CLIENT KILL): the next command fails as a connection error and
    /// the one after runs on a new connection, with no backoff because no connect attempt failed.
    @Test func reconnectsAfterTheServerDropsTheConnection() async throws {
        let server = try await startPrivateServer()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            try await server.makeClient().closing { killer throws in
                let firstID = try #require(try await client.send("CLIENT", "ID").integer)
                #expect(try await killer.send("CLIENT", "KILL", "ID", firstID) == .integer(1))

                let error = await #expect(throws: RedisError.self) { try await client.send("PING") }
                guard case .connectionLost("PING", _)? = error else {
                    Issue.record("expected connectionLost during PING, got \(String(describing: error))")
                    return
                }
                #expect(error!.isConnectionError)
                let secondID = try #require(try await client.send("CLIENT", "ID").integer)
                #expect(secondID != firstID)
            }
        }
    }

    @Test func commandTimeoutNamesTheCommandAndTheClientRecovers() async throws {
        let server = try await startPrivateServer(extraArguments: ["--enable-debug-command", "yes"])
        defer { server.stopInBackground() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = 0.5
        try await RedisClient(configuration: configuration).closing { client throws in
            #expect(try await client.send("PING") == .status("PONG"))

            let error = await #expect(throws: RedisError.self) { try await client.send("DEBUG", "SLEEP", 1) }
            #expect(error == .timeout(command: "DEBUG", seconds: 0.5))
            #expect(error?.isConnectionError == true)
            #expect(error.map { String(describing: $0).contains("DEBUG") && String(describing: $0).contains("0.5") } == true)

            let recovered = await eventually { (try? await client.send("PING")) == .status("PONG") }
            #expect(recovered, "the client did not recover from the timeout within 10 seconds")
            #expect(try await client.send("SET", "k", "v") == .status("OK"))
        }
    }

    @Test func blockingConnectionTimeout() async throws {
        let server = try await startPrivateServer(extraArguments: ["--enable-debug-command", "yes"])
        defer { server.stopInBackground() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = 0.5
        let (timedOut, isBroken, afterwards) = try await withConnection(configuration) { connection in
            let timedOut = Result { () throws(RedisError) in try connection.send(RedisCommand("DEBUG", "SLEEP", 1)) }
            let isBroken = connection.isBroken
            let afterwards = Result { () throws(RedisError) in try connection.send(RedisCommand("PING")) }
            return (timedOut, isBroken, afterwards)
        }
        #expect(timedOut == .failure(.timeout(command: "DEBUG", seconds: 0.5)))
        #expect(isBroken)
        // A broken connection is never reused.
        guard case .failure(.connectionLost("PING", let message)) = afterwards else {
            Issue.record("expected connectionLost, got \(afterwards)")
            return
        }
        #expect(message.contains("already broken"))
    }

    /// `BLPOP` blocks only its own client, so the `PING` before it is answered and the timeout falls on
    /// `BLPOP`. (`DEBUG SLEEP` would not do here: it stops the server before it writes the `PONG`.)
    @Test func blockingConnectionTimeoutInsidePipelineNamesTheSlowCommand() async throws {
        var configuration = try await sharedConfiguration()
        configuration.commandTimeout = 0.5
        let key = "\(RedisTestServer.uniqueNamespace("fail-blpop")):empty"
        let timedOut = try await withConnection(configuration) { connection in
            Result { () throws(RedisError) in try connection.pipeline([RedisCommand("PING"), RedisCommand("BLPOP", key, 2)]) }
        }
        #expect(timedOut == .failure(.timeout(command: "BLPOP", seconds: 0.5)))
    }

    /// When a reply times out in the middle of one caller's pipeline, the async client names the
    /// command that timed out (BLPOP), not the pipeline's first (PING), as RedisConnection does.
    @Test func clientTimeoutInsidePipelineNamesTheSlowCommand() async throws {
        var configuration = try await sharedConfiguration()
        configuration.commandTimeout = 0.5
        try await RedisClient(configuration: configuration).closing { client throws in
            let key = "\(RedisTestServer.uniqueNamespace("fail-blpop")):empty"
            let error = await #expect(throws: RedisError.self) {
                try await client.pipeline([RedisCommand("PING"), RedisCommand("BLPOP", key, 2)])
            }
            guard case .timeout(let command, 0.5)? = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
            #expect(command == "BLPOP")
            // The client recovers: the next command runs on a new connection.
            #expect(try await client.send("PING") == .status("PONG"))
        }
    }

    /// A Lua script that keeps the server busy for `ARGV[1]` seconds.
    static func busyScript(_ tag: String) -> RedisScript {
        RedisScript("""
        -- \(tag)
        local t0 = redis.call('TIME')
        local start = tonumber(t0[1]) + tonumber(t0[2]) / 1e6
        while true do
          local t = redis.call('TIME')
          if tonumber(t[1]) + tonumber(t[2]) / 1e6 - start > tonumber(ARGV[1]) then break end
        end
        return 1
        """)
    }

    /// When the `EVAL` fallback after `NOSCRIPT` fails at the connection level (here a timeout), the
    /// client reports a connection error, as RedisConnection.run does, so callers retry it.
    @Test func scriptFallbackTimeoutIsAConnectionError() async throws {
        let server = try await startPrivateServer()
        defer { server.stopInBackground() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = 0.5

        let blocking = try await withConnection(configuration) { connection in
            Result { () throws(RedisError) in try connection.run(Self.busyScript("blocking"), keys: [], arguments: [1]) }
        }
        #expect(blocking == .failure(.timeout(command: "EVAL", seconds: 0.5)))

        try await RedisClient(configuration: configuration).closing { client throws in
            // Wait until the first script has finished and the server answers again.
            #expect(await eventually { (try? await client.send("PING")) == .status("PONG") })
            let error = await #expect(throws: RedisError.self) {
                try await client.run(Self.busyScript("client"), keys: [], arguments: [1])
            }
            #expect(error?.isConnectionError == true, "got \(String(describing: error))")
            // Either way the client recovers once the server is free again.
            #expect(await eventually { (try? await client.send("PING")) == .status("PONG") })
        }
    }

    /// A database the server does not have: the handshake's SELECT fails with a message naming SELECT.
    @Test func databaseOutOfRangeNamesSelect() async throws {
        var configuration = try await sharedConfiguration()
        configuration.database = 9999
        try await RedisClient(configuration: configuration).closing { client throws in
            let error = await #expect(throws: RedisError.self) { try await client.connect() }
            guard case .errorReply("SELECT", let message)? = error else {
                Issue.record("expected an error reply to SELECT, got \(String(describing: error))")
                return
            }
            #expect(message.contains("out of range"))
            #expect(!error!.isConnectionError)
        }
    }

    /// A replica of a master that does not exist is read-only: a write answers READONLY, which the
    /// client treats as a failover and reconnects for the next command.
    @Test func readOnlyReplicaFailover() async throws {
        let server = try await startPrivateServer(extraArguments: ["--replicaof", "127.0.0.1", "1"])
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            let firstID = try #require(try await client.send("CLIENT", "ID").integer)

            let error = await #expect(throws: RedisError.self) { try await client.send("SET", "k", "v") }
            guard case .errorReply("SET", let message)? = error else {
                Issue.record("expected an error reply to SET, got \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("READONLY"))
            #expect(!error!.isConnectionError)

            // The next command works, on a new connection.
            let secondID = try #require(try await client.send("CLIENT", "ID").integer)
            #expect(secondID != firstID)
            #expect(try await client.send("GET", "k") == .null)

            // Inside a pipeline the other replies are kept, and the connection is marked broken.
            let configuration = try RedisConfiguration(url: server.url)
            let (replies, isBroken) = try await withConnection(configuration) { connection in
                let replies = try connection.pipeline([RedisCommand("PING"), RedisCommand("SET", "k", "v"), RedisCommand("PING")])
                return (replies, connection.isBroken)
            }
            #expect(replies.count == 3)
            #expect(replies[0] == .status("PONG"))
            if case .error(let text) = replies[1] { #expect(text.hasPrefix("READONLY")) } else { Issue.record("expected READONLY, got \(replies[1])") }
            #expect(replies[2] == .status("PONG"))
            #expect(isBroken)
        }
    }
}
