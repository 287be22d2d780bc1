import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Synchronization

/// What every scenario needs: the executables, its own redis-server, child processes that are killed
/// however the scenario ends, polling with timeouts and the per-jid bookkeeping of `Record` jobs.
struct ChaosEnvironment: Sendable {
    let binaryDirectory: String
    let children: ChildProcesses

    /// Starts a private redis-server. `durable`: append-only with an fsync before every reply, so a
    /// server killed with SIGKILL and started again on the same port and directory has every write it
    /// acknowledged. `serverArguments`: more redis-server options (`--maxmemory 8mb`), kept for a restart.
    func startRedis(durable: Bool = false, serverArguments: [String] = []) async throws -> ChaosRedis {
        try await ChaosRedis(durable: durable, extraArguments: serverArguments)
    }

    /// Runs `body` with a private redis-server and a backend on it; afterwards, however `body` ends,
    /// kills every child process still running and stops the server.
    func withRedis<Result>(durable: Bool = false, serverArguments: [String] = [], _ body: (ChaosRedis, RedisBackend) async throws -> Result) async throws -> Result {
        let redis = try await startRedis(durable: durable, serverArguments: serverArguments)
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(redis, RedisBackend(client: redis.client)))
        } catch {
            outcome = .failure(error)
        }
        children.killAll()
        await redis.stop()
        return try outcome.get()
    }

    /// Starts `conveyor-worker` (or another built executable) on `redis`; killed at the end of the run
    /// of the scenario unless it exited before. `environment` adds to its environment (`LD_PRELOAD` of
    /// libfaketime for a skewed clock); `REDIS_URL` always names `redis`.
    func start(_ program: String, _ arguments: [String], redis: ChaosRedis, environment: [String: String] = [:]) throws -> ChildProcess {
        try start(program, arguments, url: redis.url, environment: environment)
    }

    /// Starts an executable as above with `REDIS_URL` set to `url` (a `redis+sentinel://` URL).
    func start(_ program: String, _ arguments: [String], url: String, environment: [String: String] = [:]) throws -> ChildProcess {
        let process = try ChildProcess(binaryDirectory + "/" + program, arguments, environment: environment.merging(["REDIS_URL": url]) { $1 })
        children.add(process)
        return process
    }

    /// Polls `condition` every 20 ms until it holds; throws after `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = MonotonicClock.now() + timeout
        while try await !condition() {
            guard MonotonicClock.now() < deadline else { throw ChaosError("\(what) did not happen within \(timeout) s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `count` Record jobs on `key` that sleep `milliseconds` first (when given).
    static func recordJobs(_ count: Int, key: String, milliseconds: Int? = nil, queue: String = Job.defaultQueue) -> [Job] {
        var args: [JSONValue] = [.string(key)]
        if let milliseconds { args.append(.number(JSONNumber(milliseconds))) }
        return (0..<count).map { _ in Job(className: "Record", args: args, queue: queue) }
    }

    /// Counts, for the jids expected, how many never ran and how many extra runs the `Record` job saw
    /// (its hash `key:runs`). Returns also the jids seen that were not expected.
    static func tally(_ client: RedisClient, key: String, expected jids: [String]) async throws -> RecordTally {
        let recorded = Set((try await client.send("SMEMBERS", key).array ?? []).compactMap(\.string))
        let runsByJid = try await runs(client, hash: key + ":runs")
        let expected = Set(jids)
        return RecordTally(
            recorded: recorded.intersection(expected).count,
            lost: expected.subtracting(recorded).count,
            duplicates: runsByJid.values.reduce(0, +) - runsByJid.count,
            unexpected: recorded.subtracting(expected).count
        )
    }

    /// A hash of run counts by jid, as the `Record` and `Fail` jobs keep it.
    static func runs(_ client: RedisClient, hash: String) async throws -> [String: Int] {
        let fields = try await client.send("HGETALL", hash).array ?? []
        var runsByJid: [String: Int] = [:]
        for pair in stride(from: 0, to: fields.count - 1, by: 2) {
            if let jid = fields[pair].string, let count = fields[pair + 1].string.flatMap(Int.init) { runsByJid[jid] = count }
        }
        return runsByJid
    }

    /// Sends a signal to a child and waits for its exit status, failing after `timeout` seconds.
    func stop(_ process: ChildProcess, signal number: Int32 = SIGTERM, timeout: Double = 30) async throws -> Int32 {
        process.signal(number)
        return try await exitStatus(of: process, timeout: timeout)
    }

    /// Waits for a child's exit status (128 + signal when killed), failing after `timeout` seconds.
    func exitStatus(of process: ChildProcess, timeout: Double) async throws -> Int32 {
        // waitForExit blocks: keep it off the cooperative pool's threads.
        let exited = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: process.waitForExit(timeout: timeout)) }
        }
        guard exited else { throw ChaosError("process \(process.pid) did not exit within \(timeout) s") }
        return await process.finish().status
    }

    /// The pid a live worker last wrote in its heartbeat (`info.pid`), for each registered process.
    static func heartbeatPIDs(_ backend: RedisBackend) async throws -> [Int] {
        let identities = (try await backend.client.send("SMEMBERS", backend.keys.processes).array ?? []).compactMap(\.string)
        var pids: [Int] = []
        for identity in identities {
            guard let info = try await backend.client.send("HGET", backend.keys.process(identity), "info").bytes,
                  let pid = try? JSONValue.parse(info).objectValue?["pid"]?.intValue else { continue }
            pids.append(pid)
        }
        return pids
    }

    /// The identity of the registered worker whose heartbeat names `pid`, if it has beaten yet.
    static func heartbeatIdentity(of pid: pid_t, _ backend: RedisBackend) async throws -> String? {
        let identities = (try await backend.client.send("SMEMBERS", backend.keys.processes).array ?? []).compactMap(\.string)
        for identity in identities {
            guard let info = try await backend.client.send("HGET", backend.keys.process(identity), "info").bytes,
                  let beatPID = try? JSONValue.parse(info).objectValue?["pid"]?.intValue else { continue }
            if beatPID == Int(pid) { return identity }
        }
        return nil
    }

    /// Waits until the worker `process` has beaten and returns its identity.
    func identity(of process: ChildProcess, _ backend: RedisBackend, timeout: Double = 15) async throws -> String {
        var identity: String?
        try await waitUntil("worker \(process.pid) registered by its heartbeat", timeout: timeout) {
            identity = try await Self.heartbeatIdentity(of: process.pid, backend)
            return identity != nil
        }
        guard let identity else { throw ChaosError("worker \(process.pid) registered without an identity") }
        return identity
    }
}

/// Per-jid bookkeeping of `Record` jobs.
struct RecordTally {
    /// Expected jids recorded at least once.
    var recorded: Int
    /// Expected jids never recorded.
    var lost: Int
    /// Runs beyond the first, summed over all jids.
    var duplicates: Int
    /// Recorded jids nobody pushed (a sign of a broken check).
    var unexpected: Int
}

/// A redis-server of one scenario: its URL, a client, and the means to kill it and start it again.
final class ChaosRedis: @unchecked Sendable {
    // Safe: `server` changes only in `restart`, which a scenario calls from one task between uses.
    private(set) var server: RedisTestServer
    let port: Int
    let directory: URL
    let arguments: [String]
    let client: RedisClient
    var url: String { "redis://127.0.0.1:\(port)/0" }

    init(durable: Bool, extraArguments: [String] = []) async throws {
        // A port and directory of our own, so the server can be started again where it was.
        let port = try FreePort.find()
        self.port = port
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-chaos-\(port)-\(UUID().uuidString.prefix(8))")
        arguments = (durable ? ["--appendonly", "yes", "--appendfsync", "always"] : []) + extraArguments
        server = try await RedisTestServer.start(port: port, directory: directory, extraArguments: arguments)
        client = try server.makeClient()
    }

    /// The process ID of the redis-server answering now.
    func processID() async throws -> pid_t {
        let info = try await client.send("INFO", "server").string ?? ""
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("process_id:") }),
              let pid = pid_t(line.dropFirst("process_id:".count)) else {
            throw ChaosError("INFO server did not name redis-server's process_id")
        }
        return pid
    }

    /// Redis's own clock (`TIME`) in epoch seconds: the one clock leases and expiries are timed by.
    func time() async throws -> Double {
        let reply = (try await client.send("TIME").array ?? []).compactMap { $0.string.flatMap(Double.init) }
        guard reply.count == 2 else { throw ChaosError("TIME did not answer seconds and microseconds") }
        return reply[0] + reply[1] / 1_000_000
    }

    /// SIGKILL to redis-server: no shutdown, no final save; only what the append-only file holds survives.
    func kill() async throws {
        let pid = try await processID()
        _ = Glibc.kill(pid, SIGKILL)
        guard await server.waitForExit(timeout: 10) else { throw ChaosError("redis-server \(pid) survived SIGKILL for 10 s") }
    }

    /// Starts redis-server again on the same port and directory (and so the same append-only file).
    func restart() async throws {
        server = try await RedisTestServer.start(port: port, directory: directory, extraArguments: arguments)
    }

    /// Closes the client, stops the server and removes its directory.
    func stop() async {
        await client.close()
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Every child process started by the run, so each one is killed however a scenario ends, and on
/// SIGINT/SIGTERM of `conveyor-chaos` itself.
final class ChildProcesses: Sendable {
    private let processes = Mutex<[ChildProcess]>([])

    func add(_ process: ChildProcess) {
        processes.withLock { $0.append(process) }
    }

    /// SIGKILL to every child still running, and waits for each to be reaped.
    func killAll() {
        let running = processes.withLock { list -> [ChildProcess] in
            defer { list.removeAll() }
            return list
        }
        for process in running where process.isRunning {
            process.signal(SIGKILL)
            _ = process.waitForExit(timeout: 5)
        }
    }
}
