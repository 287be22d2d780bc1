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
    let server = try RedisTestServer.shared()
    let client = try server.makeClient()
    let namespace = RedisTestServer.uniqueNamespace(label)
    var failure: (any Error)?
    do {
        try await body(client, namespace)
    } catch {
        failure = error
    }
    client.close()
    try await deleteKeys(under: namespace, url: server.url)
    if let failure { throw failure }
}

/// Deletes every key that starts with `namespace:` on the server at `url` (all databases it names).
func deleteKeys(under namespace: String, url: String, database: Int? = nil) async throws {
    var configuration = try RedisConfiguration(url: url)
    if let database { configuration.database = database }
    let cleaner = RedisClient(configuration: configuration)
    defer { cleaner.close() }
    let keys = try await cleaner.send("KEYS", "\(namespace):*").array ?? []
    if !keys.isEmpty {
        let names: [any RedisArgument] = keys.compactMap(\.bytes)
        try await cleaner.send(RedisCommand("DEL", arguments: names))
    }
}

/// The configuration of the shared test server.
func sharedConfiguration() throws -> RedisConfiguration {
    try RedisConfiguration(url: RedisTestServer.shared().url)
}

/// The TCP port in a `redis://` URL.
func port(of url: String) throws -> Int {
    guard case .tcp(_, let port) = try RedisConfiguration(url: url).endpoint else {
        throw TestKitError("\(url) is not a TCP URL")
    }
    return port
}

/// Runs blocking work (a ``RedisConnection``) on a thread of its own so Swift's cooperative pool is
/// never blocked; the connection must be made, used and dropped inside `body`.
///
/// With `allowingTermination`, the thread unblocks SIGTERM first. Threads of Swift's pool block almost
/// every signal and a child process inherits the mask of the thread that spawns it, so a redis-server
/// started from a test task ignores the SIGTERM of `Process.terminate()` and `stop()` waits forever.
func onThread<T: Sendable>(allowingTermination: Bool = false, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            if allowingTermination {
                var signals = sigset_t()
                sigemptyset(&signals)
                sigaddset(&signals, SIGTERM)
                pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            }
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// Starts a private server with ``RedisTestServer/start(extraArguments:)`` from a thread whose children
/// can be stopped (see ``onThread(allowingTermination:_:)``). Stop it with `defer { server.stop() }`.
/// One retry covers the rare case where another process takes the free port before redis-server binds it.
func startPrivateServer(extraArguments: [String] = []) async throws -> RedisTestServer {
    do {
        return try await onThread(allowingTermination: true) { try RedisTestServer.start(extraArguments: extraArguments) }
    } catch {
        return try await onThread(allowingTermination: true) { try RedisTestServer.start(extraArguments: extraArguments) }
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

/// A free loopback TCP port: the kernel picks one for a socket bound to port 0.
func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestKitError("socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    guard bound == 0 else { throw TestKitError("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw TestKitError("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A redis-server on a port the test chooses, for what ``RedisTestServer/start(extraArguments:)``
/// cannot do: come back on the same port after a stop, or demand a password from the start (its
/// readiness check connects without one).
final class LaunchedRedisServer: @unchecked Sendable {
    // Safe to share: `process` is only touched by `stop()`, which tests call from one task.
    let port: Int
    private let process: Process
    private let directory: URL

    /// The URL of the server, without credentials.
    var url: String { "redis://127.0.0.1:\(port)/0" }

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    /// Starts `redis-server --port port` plus `arguments` and waits (polling, 10 s at most) until it
    /// answers `PING`, authenticating with `password` when given.
    static func launch(port: Int, arguments: [String] = [], password: String? = nil) async throws -> LaunchedRedisServer {
        let server = try await onThread(allowingTermination: true) { () throws -> LaunchedRedisServer in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redisclient-tests-\(port)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try locateRedisServer())
            process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return LaunchedRedisServer(port: port, process: process, directory: directory)
        }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.password = password
        configuration.connectTimeout = 1
        let ready = await eventually {
            guard server.isRunning else { return true }
            return (try? await withConnection(configuration) { try $0.send(RedisCommand("PING")) }) != nil
        }
        guard ready, server.isRunning else {
            server.stop()
            throw TestKitError("redis-server did not start on port \(port)")
        }
        return server
    }

    private var isRunning: Bool { process.isRunning }

    /// Stops the server (SIGTERM, then SIGKILL if it is still running after 5 seconds) and removes its
    /// directory. Safe to call twice.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        stop()
    }

    private static func locateRedisServer() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = "\(directory)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestKitError("redis-server is not installed")
    }
}

/// The outcome of async work as a value, so clean-up can run before the test looks at it.
func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
