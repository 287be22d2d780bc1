import ConveyorTestKit
import Foundation
import RedisClient

/// The Redis server integration tests talk to: the one in `REDIS_URL` when `scripts/test` started one,
/// otherwise a throwaway `redis-server` on a free loopback port, started once per test process and
/// stopped when it exits. Tests isolate themselves with ``uniqueNamespace(_:)``, not by database.
public final class RedisTestServer: Sendable {
    /// The URL of the server.
    public let url: String
    private let process: ChildProcess?

    private init(url: String, process: ChildProcess?) {
        self.url = url
        self.process = process
    }

    /// The shared server, started on first use.
    public static func shared() throws -> RedisTestServer {
        try sharedServer.get()
    }

    private static let sharedServer: Result<RedisTestServer, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty {
            return RedisTestServer(url: url, process: nil)
        }
        return try start()
    }

    /// Starts a private `redis-server` on a free port (for tests that must stop or restart it). Give a
    /// `port` and `directory` to start a server again where a killed one ran, on its append-only file.
    public static func start(port fixedPort: Int? = nil, directory fixedDirectory: URL? = nil, extraArguments: [String] = []) throws -> RedisTestServer {
        let port = try fixedPort ?? FreePort.find()
        let directory = fixedDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try launch(["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path] + extraArguments, port: port)
    }

    /// Starts `redis-server --sentinel` on a free port, with a config file of its own in `directory`
    /// (Sentinel rewrites it) holding `lines`, such as `sentinel monitor NAME 127.0.0.1 PORT 2`.
    public static func startSentinel(directory: URL, lines: [String]) throws -> RedisTestServer {
        let port = try FreePort.find()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("sentinel-\(port).conf")
        let text = (["port \(port)", "bind 127.0.0.1", "dir \(directory.path)"] + lines).joined(separator: "\n") + "\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try launch([file.path, "--sentinel"], port: port)
    }

    private static func launch(_ serverArguments: [String], port: Int) throws -> RedisTestServer {
        // A shell watchdog runs redis-server and stops it when this test process goes away, even
        // when it is killed: a timed-out test run must not leave servers behind.
        let watchdog = """
        "$0" "$@" & server=$!
        trap 'kill $server 2>/dev/null; wait $server; exit 0' TERM INT
        while kill -0 \(getpid()) 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.5 & wait $!; done
        kill $server 2>/dev/null; wait $server
        """
        let process = try ChildProcess("/bin/sh", ["-c", watchdog, try locate("redis-server")] + serverArguments)
        let server = RedisTestServer(url: "redis://127.0.0.1:\(port)/0", process: process)
        let configuration = try RedisConfiguration(url: server.url)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            do {
                _ = try RedisConnection(configuration: configuration)
                return server
            } catch .authenticationFailed {
                return server  // Up, and asking for the password it was started with.
            } catch {}
            usleep(20_000)
        }
        process.signal()
        throw TestKitError("redis-server did not start on port \(port) within 10 seconds")
    }

    /// Stops a server started by ``start(extraArguments:)``.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.signal()
        if !process.waitForExit(timeout: 5) { process.signal(SIGKILL) }
    }

    /// Waits up to `timeout` seconds for a server started by ``start(port:directory:extraArguments:)``
    /// to be gone, e.g. after it was killed; true when it is.
    public func waitForExit(timeout: Double) -> Bool {
        process?.waitForExit(timeout: timeout) ?? true
    }

    deinit {
        stop()
    }

    /// The server's TCP port.
    public var port: Int {
        Int(url.split(separator: ":").last?.split(separator: "/").first ?? "") ?? 0
    }

    /// A namespace no other test uses, so tests can share one server and run in parallel.
    public static func uniqueNamespace(_ label: String = "test") -> String {
        "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A new client on this server.
    public func makeClient() throws -> RedisClient {
        RedisClient(configuration: try RedisConfiguration(url: url))
    }

    static func locate(_ program: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin", "/usr/sbin"] {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestKitError("\(program) is not installed; run scripts/install-deps")
    }
}
