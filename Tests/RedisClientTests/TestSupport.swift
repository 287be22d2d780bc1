import ConveyorTestKit
import Foundation
import RedisClient
import Synchronization
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

/// Deletes every key that starts with `namespace:` on the server at `url`, in the database the URL
/// names or in `database`.
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

/// Runs blocking work (a ``RedisConnection``, a server start) on a thread of its own so Swift's
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

/// Starts a private server with ``RedisTestServer/start(extraArguments:)`` off the cooperative pool.
/// Stop it with `defer { server.stop() }`. One retry covers the rare case where another process takes
/// the free port before redis-server binds it.
func startPrivateServer(extraArguments: [String] = []) async throws -> RedisTestServer {
    do {
        return try await onThread { try RedisTestServer.start(extraArguments: extraArguments) }
    } catch {
        return try await onThread { try RedisTestServer.start(extraArguments: extraArguments) }
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

/// A redis-server on a port the test chooses, which ``RedisTestServer/start(extraArguments:)`` cannot
/// do (it picks a free port and waits for that one): used to bring a server back on the port a stopped
/// one had. Started with `posix_spawn` with a clean signal mask, reaped with `waitpid`, and wrapped in
/// the same shell watchdog as the test kit's servers so a killed test run leaves nothing behind.
final class LaunchedRedisServer: Sendable {
    let port: Int
    /// The watchdog shell; redis-server is its child.
    private let pid: pid_t
    private let reaped = Mutex(false)
    private let directory: String

    /// The URL of the server.
    var url: String { "redis://127.0.0.1:\(port)/0" }

    private init(port: Int, pid: pid_t, directory: String) {
        self.port = port
        self.pid = pid
        self.directory = directory
    }

    /// Starts `redis-server --port port` plus `arguments` and waits (polling, 10 s at most) until it
    /// answers `PING`.
    static func launch(port: Int, arguments: [String] = []) async throws -> LaunchedRedisServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redisclient-tests-\(port)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let watchdog = """
        "$0" "$@" & server=$!
        trap 'kill $server 2>/dev/null; wait $server; exit 0' TERM INT
        while kill -0 \(getpid()) 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.5 & wait $!; done
        kill $server 2>/dev/null; wait $server
        """
        let arguments = ["/bin/sh", "-c", watchdog, try locateRedisServer(),
                         "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory] + arguments
        let server = LaunchedRedisServer(port: port, pid: try spawn(arguments), directory: directory)
        let configuration = try RedisConfiguration(url: server.url)
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

    /// Whether the watchdog (and so the server) is still running.
    var isRunning: Bool {
        reaped.withLock { reaped in
            if reaped { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            return !reaped
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 seconds) and removes its directory. Safe to call twice.
    func stop() {
        if isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while isRunning, Date() < deadline { usleep(5_000) }
            if isRunning {
                kill(pid, SIGKILL)
                while isRunning { usleep(5_000) }
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit {
        stop()
    }

    private static func spawn(_ arguments: [String]) throws -> pid_t {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // Threads of Swift's pool block most signals and a child inherits the mask: without this, the
        // server would never see the SIGTERM that stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        var defaultSet = sigset_t()
        sigemptyset(&defaultSet)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaultSet, number) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw TestKitError("cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        return child
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
