import ConveyorSupport
import ConveyorTestKit
import Foundation
import RedisClient

/// One master, one replica and three sentinels (quorum 2) on free loopback ports, each in a directory
/// of its own under one temporary directory, for tests of failover. Sentinels check every second
/// (`down-after-milliseconds 1000`), and a server that becomes a replica resynchronises at once
/// (`repl-diskless-sync-delay 0`).
public final class SentinelTestCluster: Sendable {
    /// The name the sentinels monitor the master under.
    public let masterName: String
    /// The data servers: the first master, then its replica.
    public let servers: [RedisTestServer]
    /// The three sentinels.
    public let sentinels: [RedisTestServer]
    private let directory: URL

    private init(masterName: String, servers: [RedisTestServer], sentinels: [RedisTestServer], directory: URL) {
        self.masterName = masterName
        self.servers = servers
        self.sentinels = sentinels
        self.directory = directory
    }

    /// `redis+sentinel://` naming the three sentinels and the master, database 0, plus `query` (such
    /// as `wait_replicas=1`) when given.
    public func url(query: String? = nil) -> String {
        "redis+sentinel://" + sentinels.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") + "/\(masterName)/0" + (query.map { "?" + $0 } ?? "")
    }

    /// Starts the five servers; `serverArguments` go to both data servers.
    public static func start(masterName: String = "conveyor", serverArguments: [String] = []) async throws -> SentinelTestCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-sentinel-\(UUID().uuidString.prefix(8))")
        let dataArguments = ["--repl-diskless-sync-delay", "0"] + serverArguments
        let master = try await RedisTestServer.start(directory: directory.appendingPathComponent("master"), extraArguments: dataArguments)
        let replica = try await RedisTestServer.start(
            directory: directory.appendingPathComponent("replica"),
            extraArguments: ["--replicaof", "127.0.0.1", "\(master.port)"] + dataArguments
        )
        let lines = [
            "sentinel monitor \(masterName) 127.0.0.1 \(master.port) 2",
            "sentinel down-after-milliseconds \(masterName) 1000",
            "sentinel failover-timeout \(masterName) 10000",
            "sentinel parallel-syncs \(masterName) 1",
        ]
        var sentinels: [RedisTestServer] = []
        for _ in 0..<3 {
            sentinels.append(try await RedisTestServer.startSentinel(directory: directory.appendingPathComponent("sentinels"), lines: lines))
        }
        return SentinelTestCluster(masterName: masterName, servers: [master, replica], sentinels: sentinels, directory: directory)
    }

    /// Waits until the replica is in sync and every sentinel knows the replica and the two other
    /// sentinels: before that, `SENTINEL FAILOVER` answers `NOGOODSLAVE`, and a switch would not reach
    /// every sentinel.
    public func waitUntilReady(timeout: Double = 30) async throws {
        try await waitUntil("the replica in sync and the sentinels aware of it and of each other", timeout: timeout) {
            let replication = try Self.send(RedisCommand("INFO", "replication"), to: servers[1].port).string ?? ""
            guard replication.contains("master_link_status:up") else { return false }
            for sentinel in sentinels {
                let replicas = try Self.send(RedisCommand("SENTINEL", "REPLICAS", masterName), to: sentinel.port).array ?? []
                guard replicas.count == 1, Self.field("flags", of: replicas[0]) == "slave" else { return false }
                let others = try Self.send(RedisCommand("SENTINEL", "SENTINELS", masterName), to: sentinel.port).array ?? []
                guard others.count == 2 else { return false }
            }
            return true
        }
    }

    /// The port of the master each sentinel names; they differ for a moment during a switch.
    public func masterPorts() throws -> [Int?] {
        try sentinels.map { sentinel in
            let pair = try Self.send(RedisCommand("SENTINEL", "get-master-addr-by-name", masterName), to: sentinel.port).array
            return pair?.last?.string.flatMap(Int.init)
        }
    }

    /// `SENTINEL FAILOVER` on the first sentinel: it promotes the replica without asking the others.
    public func failover() throws {
        _ = try Self.send(RedisCommand("SENTINEL", "FAILOVER", masterName), to: sentinels[0].port)
    }

    /// What `ROLE` says of the data server on `port`: "master" or "slave".
    public func role(ofServerOn port: Int) throws -> String? {
        try Self.send(RedisCommand("ROLE"), to: port).array?.first?.string
    }

    /// Stops the five servers and removes their directory, on a thread of its own and not waited for:
    /// tests stop a cluster from `defer`, which cannot await.
    public func stopInBackground() {
        let (all, directory) = (sentinels + servers, directory)
        NamedThread.start(name: "sentinel-test-stop") {
            for server in all { server.stopAndWait() }
            try? FileManager.default.removeItem(at: directory)
        }.detach()
    }

    /// Polls `condition` every 50 ms; errors count as "not yet". Throws after `timeout` seconds. Sleeps
    /// with `Task.sleep`, never on the thread: a failover takes seconds, and a test that held one of
    /// the cooperative pool's few threads that long stalled every other test's tasks.
    public func waitUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError = ""
        while Date() < deadline {
            do {
                if try condition() { return }
            } catch {
                lastError = " (last error: \(error))"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestKitError("\(what) did not happen within \(timeout) s\(lastError)")
    }

    /// One command on a fresh connection to a loopback port.
    public static func send(_ command: RedisCommand, to port: Int) throws -> RedisValue {
        try RedisConnection(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port))).send(command)
    }

    private static func field(_ name: String, of entry: RedisValue) -> String? {
        let fields = entry.array ?? []
        for index in stride(from: 0, to: fields.count - 1, by: 2) where fields[index].string == name {
            return fields[index + 1].string
        }
        return nil
    }
}
