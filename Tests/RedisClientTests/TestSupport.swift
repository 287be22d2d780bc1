import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Helpers shared by the RedisClient test files: namespaced keys with clean-up, blocking work on a
// thread of its own, polling with a deadline, and a redis-server launched on a chosen port.

/// Runs `body` with a new client on the shared test server and a namespace no other test uses; every
/// key under `namespace:` is deleted afterwards (with a fresh client, so tests may close theirs).
func withSharedClient(
    _ label: String,
    _ body: (_ client: RedisClient, _ namespace: String) async throws -> Void
) async throws {
    let server = try await RedisTestServer.shared()
    let client = try server.makeClient()
    let namespace = RedisTestServer.uniqueNamespace(label)
    var failure: (any Error)?
    do {
        try await body(client, namespace)
    } catch {
        failure = error
    }
    await client.close()
    try await deleteKeys(under: namespace, url: server.url)
    if let failure { throw failure }
}

/// Deletes every key that starts with `namespace:` on the server at `url`, in the database the URL
/// names or in `database`.
func deleteKeys(under namespace: String, url: String, database: Int? = nil) async throws {
    var configuration = try RedisConfiguration(url: url)
    if let database { configuration.database = database }
    try await RedisClient(configuration: configuration).closing { cleaner throws in
        let keys = try await cleaner.send("KEYS", "\(namespace):*").array ?? []
        if !keys.isEmpty {
            let names: [any RedisArgument] = keys.compactMap(\.bytes)
            try await cleaner.send(RedisCommand("DEL", arguments: names))
        }
    }
}

/// The configuration of the shared test server.
func sharedConfiguration() async throws -> RedisConfiguration {
    try RedisConfiguration(url: await RedisTestServer.shared().url)
}

/// The TCP port in a `redis://` URL.
func port(of url: String) throws -> Int {
    guard case .tcp(_, let port) = try RedisConfiguration(url: url).endpoint else {
        throw TestKitError("\(url) is not a TCP URL")
    }
    return port
}

/// Runs blocking work (a ``RedisConnection``) on a thread of its own so Swift's
/// cooperative pool is never blocked; a connection must be made, used and dropped inside `body`.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        // Resumed exactly once, by the thread, when `body` returns or throws.
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = "redis-test-blocking"
        thread.start()
    }
}

/// Starts a private server with ``RedisTestServer/start(port:directory:extraArguments:)``, which waits
/// with `Task.sleep`. Stop it with `defer { server.stopInBackground() }`, or `await server.stop()` to
/// wait until it is gone. One retry covers the rare case where another process takes the free port
/// before redis-server binds it.
func startPrivateServer(extraArguments: [String] = []) async throws -> RedisTestServer {
    do {
        return try await RedisTestServer.start(extraArguments: extraArguments)
    } catch {
        return try await RedisTestServer.start(extraArguments: extraArguments)
    }
}

/// Opens a blocking connection on a thread of its own, runs `body` with it and returns the result.
func withConnection<T: Sendable>(
    _ configuration: RedisConfiguration,
    _ body: @escaping @Sendable (RedisConnection) throws -> T
) async throws -> T {
    try await onThread {
        let connection = try RedisConnection(configuration: configuration)
        return try body(connection)
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if await condition() { return true }
        if clock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
}

/// `count` bytes in a pattern that is neither constant nor periodic on any short stride.
func patternBytes(count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var state: UInt32 = 0x1234_5678
    for index in 0..<count {
        state = state &* 1_664_525 &+ 1_013_904_223
        bytes[index] = UInt8(truncatingIfNeeded: state >> 24)
    }
    return bytes
}

/// The outcome of async work as a value, so clean-up can run before the test looks at it.
func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// Starts a private server whose scripts count as busy after 100 ms: from then on other connections
/// get `BUSY` replies, which proves a slow script's request was written and is running.
func startBusyServer() async throws -> RedisTestServer {
    try await startPrivateServer(extraArguments: ["--busy-reply-threshold", "100"])
}

/// A script that holds the server for `ARGV[1]` seconds.
let slowScript = RedisFailureTests.busyScript("slow")

/// Whether the server is running a script past its busy threshold, asked through `observer`.
func isBusy(_ observer: RedisClient) async -> Bool {
    if case .failure(RedisError.errorReply(_, let message)) = await capture({ try await observer.send("PING") }) {
        return message.hasPrefix("BUSY")
    }
    return false
}

/// Waits until the server answers `observer` with `BUSY`.
func waitUntilBusy(_ observer: RedisClient) async -> Bool {
    await eventually { await isBusy(observer) }
}

/// Sends many `ECHO`s at once and checks that each caller gets its own text back.
func expectRepliesMatched(_ client: RedisClient, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<50 {
            group.addTask {
                let reply = try await client.send("ECHO", "reply-\(index)")
                #expect(reply == .bulkString(Array("reply-\(index)".utf8)), sourceLocation: sourceLocation)
            }
        }
        try await group.waitForAll()
    }
}

/// How many threads of this process bear `name` (at most 15 bytes, as the kernel keeps).
func threadCount(named name: String) -> Int {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.count { task in
        let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
        return comm?.trimmingCharacters(in: .whitespacesAndNewlines) == name
    }
}
