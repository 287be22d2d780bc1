import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// Deletes every key of a test's namespace.
func deleteNamespace(_ namespace: String, client: RedisClient) async throws {
    var cursor = "0"
    repeat {
        let reply = try await client.send("SCAN", cursor, "MATCH", "\(namespace):*", "COUNT", 1000).array ?? []
        cursor = reply.first?.string ?? "0"
        let keys = reply.count > 1 ? (reply[1].array ?? []).compactMap(\.bytes) : []
        if !keys.isEmpty { try await client.send(RedisCommand("UNLINK", arguments: keys)) }
    } while cursor != "0"
}

/// Polls `condition` every few milliseconds for up to `timeout` seconds.
func waitUntil(timeout: Double = 20, _ what: String = "the condition", _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try await !condition() {
        guard Date() < deadline else { throw TestKitError("\(what) did not hold within \(timeout) s") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A test's own namespace on the shared server, with a client and backend, cleaned up by `finish()`.
struct RedisTestContext {
    let server: RedisTestServer
    let namespace: String
    let client: RedisClient
    let backend: RedisBackend
    let keys: RedisKeys

    init(_ label: String) async throws {
        server = try await RedisTestServer.shared()
        namespace = RedisTestServer.uniqueNamespace(label)
        client = try server.makeClient()
        backend = RedisBackend(client: client, namespace: namespace)
        keys = RedisKeys(namespace: namespace)
    }

    /// A context on a private server (a test that freezes or restarts its Redis), on a client the caller owns.
    init(server: RedisTestServer, client: RedisClient, label: String) {
        self.server = server
        namespace = RedisTestServer.uniqueNamespace(label)
        self.client = client
        backend = RedisBackend(client: client, namespace: namespace)
        keys = RedisKeys(namespace: namespace)
    }

    func integer(_ command: String, _ arguments: any RedisArgument...) async throws -> Int {
        try await client.send(RedisCommand(command, arguments: arguments)).integer ?? 0
    }

    /// Jobs left anywhere a job can wait: queues and private lists.
    func leftovers() async throws -> (queued: Int, inProgress: Int) {
        let statistics = try await backend.statistics()
        return (statistics.enqueued, statistics.inProgress)
    }

    func finish() async throws {
        try await deleteNamespace(namespace, client: client)
        await client.close()
    }
}

/// The redis-server's process ID, from `INFO server`: for tests that freeze their private server.
func redisServerProcessID(_ client: RedisClient) async throws -> Int32 {
    let info = try await client.send("INFO", "server").string ?? ""
    return try #require(info.split(separator: "\r\n").first { $0.hasPrefix("process_id:") }.flatMap { Int32($0.dropFirst("process_id:".count)) })
}
