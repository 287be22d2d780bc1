import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorSupport
import ConveyorTestKit
import Foundation
@testable import RedisClient
import Testing

/// `redis+sentinel://` against real sentinels: finding the master, the errors a user sees (from the
/// Swift API and, exit status 1, from the command lines), and a client that follows a failover.
/// The worker under failover is the `sentinel` scenario of conveyor-chaos.
@Suite("Sentinel", .serialized)
struct SentinelTests {
    /// Started once for the tests that do not fail over.
    static let cluster = StartedOnce { () async throws -> SentinelTestCluster in
        let cluster = try await SentinelTestCluster.start(masterName: "conveyor-tests")
        try await cluster.waitUntilReady()
        return cluster
    }

    @Test func connectsToTheMasterTheSentinelsName() async throws {
        let cluster = try await Self.cluster.value()
        let client = RedisClient(configuration: try RedisConfiguration(url: cluster.url()))
        try await client.send("SET", "sentinel-test", "yes")
        #expect(try await client.send("GET", "sentinel-test").string == "yes")
        await client.close()
        // On the master itself, not merely through it.
        #expect(try SentinelTestCluster.send(RedisCommand("GET", "sentinel-test"), to: cluster.servers[0].port).string == "yes")
        let connection = try RedisConnection(configuration: RedisConfiguration(url: cluster.url()))
        #expect(connection.configuration.endpoint == .tcp(host: "127.0.0.1", port: cluster.servers[0].port))
        #expect(connection.masterGeneration != nil)
    }

    @Test func unknownMasterNameSaysSo() async throws {
        let cluster = try await Self.cluster.value()
        let url = cluster.url().replacingOccurrences(of: "/conveyor-tests/", with: "/no-such-master/")
        let error = #expect(throws: RedisError.self) { try RedisConnection(configuration: RedisConfiguration(url: url)) }
        guard case .unknownMaster(let name, let sentinels)? = error else {
            Issue.record("expected unknownMaster, got \(String(describing: error))")
            return
        }
        #expect(name == "no-such-master")
        #expect(sentinels.contains("127.0.0.1:\(cluster.sentinels[2].port)"))

        let result = try await CommandLine.run("conveyor", ["stats"], redisURL: url)
        #expect(result.status == 1)
        #expect(result.errors.contains("monitors a master named 'no-such-master'"), "stderr: \(result.errors)")
    }

    @Test func noSentinelReachableSaysWhich() async throws {
        let ports = try (0..<2).map { _ in try FreePort.find() }
        let url = "redis+sentinel://127.0.0.1:\(ports[0]),127.0.0.1:\(ports[1])/mymaster"
        let started = MonotonicClock.now()
        let error = #expect(throws: RedisError.self) { try RedisConnection(configuration: RedisConfiguration(url: url)) }
        #expect(MonotonicClock.now() - started < 3, "each sentinel should cost at most its short timeout")
        guard case .sentinelsUnavailable(let name, let failures)? = error else {
            Issue.record("expected sentinelsUnavailable, got \(String(describing: error))")
            return
        }
        #expect(name == "mymaster")
        #expect(failures.contains("127.0.0.1:\(ports[0])") && failures.contains("127.0.0.1:\(ports[1])"))

        for (program, arguments) in [("conveyor", ["stats"]), ("conveyor-worker", [String]())] {
            let result = try await CommandLine.run(program, arguments, redisURL: url)
            #expect(result.status == 1, "\(program) exited \(result.status)")
            #expect(result.errors.contains("No sentinel could say where the Redis master 'mymaster' is"), "\(program) stderr: \(result.errors)")
            #expect(result.errors.contains("Are the sentinels running there?"), "\(program) stderr: \(result.errors)")
        }
    }

    @Test func badSentinelURLIsAUsageError() async throws {
        let result = try await CommandLine.run("conveyor", ["stats", "--redis", "redis+sentinel://127.0.0.1:26379"], redisURL: "")
        #expect(result.status == 64)
        #expect(result.errors.contains("names no master"), "stderr: \(result.errors)")
    }

    /// A client keeps working across `SENTINEL FAILOVER`: its watcher hears `+switch-master`, and its
    /// next request goes to the new master, never again to the old one.
    @Test func clientFollowsAFailover() async throws {
        let cluster = try await SentinelTestCluster.start(masterName: "conveyor-failover")
        defer { cluster.stopInBackground() }
        try await cluster.waitUntilReady()
        let client = RedisClient(configuration: try RedisConfiguration(url: cluster.url()))
        try await client.send("SET", "before", "1")
        let sentinel = try #require(try Self.sentinel(of: cluster))
        let state = SentinelMasterState.shared(for: sentinel)
        let generation = state.generation
        try cluster.failover()
        let newPort = cluster.servers[1].port
        try await cluster.waitUntil("the client's process to hear of the failover", timeout: 30) { state.generation != generation }
        try await cluster.waitUntil("every sentinel naming the new master", timeout: 30) { try cluster.masterPorts().allSatisfy { $0 == newPort } }
        // While the old master is fenced off a request fails (and the caller retries); after the
        // switch the first one to get through must land on the new master.
        var attempts = 0
        while true {
            do {
                try await client.send("SET", "after", "1")
                break
            } catch let error as RedisError where error.isConnectionError && attempts < 100 {
                attempts += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(try SentinelTestCluster.send(RedisCommand("GET", "after"), to: newPort).string == "1")
        #expect(try SentinelTestCluster.send(RedisCommand("GET", "before"), to: newPort).string == "1")
        #expect(try cluster.role(ofServerOn: newPort) == "master")
        await client.close()
    }

    private static func sentinel(of cluster: SentinelTestCluster) throws -> SentinelConfiguration? {
        guard case .sentinel(let sentinel) = try RedisConfiguration(url: cluster.url()).endpoint else { return nil }
        return sentinel
    }
}
