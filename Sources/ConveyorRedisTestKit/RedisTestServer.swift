import ConveyorSupport
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
    public static func shared() async throws -> RedisTestServer {
        try await sharedServer.value()
    }

    private static let sharedServer = StartedOnce<RedisTestServer> {
        if let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty {
            return RedisTestServer(url: url, process: nil)
        }
        return try await start()
    }

    /// Starts a private `redis-server` on a free port (for tests that must stop or restart it). Give a
    /// `port` and `directory` to start a server again where a killed one ran, on its append-only file.
    public static func start(port fixedPort: Int? = nil, directory fixedDirectory: URL? = nil, extraArguments: [String] = []) async throws -> RedisTestServer {
        let port = try fixedPort ?? FreePort.find()
        return try await launch(url: "redis://127.0.0.1:\(port)/0", port: port, directory: fixedDirectory, arguments: ["--port", "\(port)"] + extraArguments)
    }

    /// Starts a private `redis-server` that speaks TLS only (`--port 0 --tls-port P`) with the given
    /// certificate, trusting `certificates`' CA for client certificates. Its ``url`` is a `rediss://`
    /// URL whose `cacert` parameter trusts that CA, so ``makeClient()`` verifies the server.
    public static func startTLS(certificates: TLSTestCertificates, serverCertificate: (certificate: String, key: String)? = nil,
                                authenticatesClients: Bool = false) async throws -> RedisTestServer {
        let port = try FreePort.find()
        let pair = serverCertificate ?? certificates.server
        return try await launch(url: "rediss://127.0.0.1:\(port)/0?cacert=\(certificates.caCertificate)", port: port, directory: nil, arguments: [
            "--port", "0", "--tls-port", "\(port)", "--tls-cert-file", pair.certificate, "--tls-key-file", pair.key,
            "--tls-ca-cert-file", certificates.caCertificate, "--tls-auth-clients", authenticatesClients ? "yes" : "no",
        ], readiness: { configuration in
            // Readiness is checked without verification: a server started with a bad certificate on
            // purpose is still up, and the client must then connect for the test to say why not.
            configuration.tls?.verifiesServer = false
            if authenticatesClients {
                configuration.tls?.certificatePath = certificates.client.certificate
                configuration.tls?.privateKeyPath = certificates.client.key
            }
        })
    }

    /// Starts `redis-server --sentinel` on a free port, with a config file of its own in `directory`
    /// (Sentinel rewrites it) holding `lines`, such as `sentinel monitor NAME 127.0.0.1 PORT 2`.
    public static func startSentinel(directory: URL, lines: [String]) async throws -> RedisTestServer {
        let port = try FreePort.find()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("sentinel-\(port).conf")
        try (["port \(port)"] + lines).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        return try await launch(url: "redis://127.0.0.1:\(port)/0", port: port, directory: directory, configFile: file.path, arguments: ["--sentinel"])
    }

    /// How long a server may take to answer after it was started.
    private static let startSeconds = 10.0

    /// Spawns the server and waits until it answers, polling with `Task.sleep`: tests run on Swift's
    /// cooperative pool, a couple of threads on a small machine, and a start that slept on one of
    /// them stalled every other test's tasks meanwhile (a worker's shutdown among them).
    private static func launch(url: String, port: Int, directory: URL?, configFile: String? = nil, arguments: [String],
                               readiness: (inout RedisConfiguration) -> Void = { _ in }) async throws -> RedisTestServer {
        let (server, configuration) = try spawn(url: url, port: port, directory: directory, configFile: configFile, arguments: arguments, readiness: readiness)
        let deadline = Date().addingTimeInterval(startSeconds)
        while Date() < deadline {
            if answers(configuration) { return server }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw server.failedToStart()
    }

    /// Starts redis-server under a watchdog and returns it with the configuration that checks it is up.
    /// `configFile` goes first, where redis-server expects one (Sentinel requires one).
    private static func spawn(url: String, port: Int, directory fixedDirectory: URL?, configFile: String? = nil, arguments: [String],
                              readiness: (inout RedisConfiguration) -> Void) throws -> (RedisTestServer, RedisConfiguration) {
        let directory = fixedDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A shell watchdog runs redis-server and stops it when this test process goes away, even
        // when it is killed: a timed-out test run must not leave servers behind.
        let watchdog = """
        "$0" "$@" & server=$!
        trap 'kill $server 2>/dev/null; wait $server; exit 0' TERM INT
        while kill -0 \(getpid()) 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.5 & wait $!; done
        kill $server 2>/dev/null; wait $server
        """
        let process = try ChildProcess("/bin/sh", ["-c", watchdog, try locate("redis-server")] + (configFile.map { [$0] } ?? []) +
                             ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path] + arguments)
        let server = RedisTestServer(url: url, process: process)
        var configuration = try RedisConfiguration(url: server.url)
        readiness(&configuration)
        return (server, configuration)
    }

    /// Whether the server answers: it took a connection, or asked for the password it was started with.
    private static func answers(_ configuration: RedisConfiguration) -> Bool {
        do {
            _ = try RedisConnection(configuration: configuration)
            return true
        } catch .authenticationFailed {
            return true
        } catch {
            return false
        }
    }

    /// Stops a server that never answered and says so.
    private func failedToStart() -> TestKitError {
        process?.signal()
        return TestKitError("redis-server did not start on port \(port) within \(Int(Self.startSeconds)) seconds")
    }

    /// Stops a server started by ``start(port:directory:extraArguments:)`` and waits until it is gone
    /// (its port free again). The wait runs on a thread of its own, never on the caller's, which is
    /// one of the cooperative pool's.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Resumed exactly once, by the thread, once the server is gone.
            NamedThread.start(name: "redis-test-stop") {
                self.stopAndWait()
                continuation.resume()
            }.detach()
        }
    }

    /// Stops the server without waiting for it: the same stop, on a thread of its own. For `defer`
    /// and `deinit`, which cannot await; a test that needs the server gone before its next step
    /// awaits ``stop()``.
    public func stopInBackground() {
        // The process, not `self`: `deinit` calls this, and nothing may keep `self` past it.
        guard let process, process.isRunning else { return }
        NamedThread.start(name: "redis-test-stop") { Self.stopAndWait(process) }.detach()
    }

    /// SIGTERM, then SIGKILL if the server is still there 5 s later. Blocks: only for threads of
    /// their own.
    func stopAndWait() {
        if let process { Self.stopAndWait(process) }
    }

    private static func stopAndWait(_ process: ChildProcess) {
        guard process.isRunning else { return }
        process.signal()
        if !process.waitForExit(timeout: 5) { process.signal(SIGKILL) }
    }

    /// Waits up to `timeout` seconds for a server started by ``start(port:directory:extraArguments:)``
    /// to be gone, e.g. after it was killed; true when it is. Waits on a thread of its own.
    public func waitForExit(timeout: Double) async -> Bool {
        guard let process else { return true }
        return await withCheckedContinuation { continuation in
            // Resumed exactly once, by the thread, when the child exits or the time is up.
            NamedThread.start(name: "redis-test-wait") {
                continuation.resume(returning: process.waitForExit(timeout: timeout))
            }.detach()
        }
    }

    deinit {
        stopInBackground()
    }

    /// The server's TCP port (its TLS port for ``startTLS(certificates:serverCertificate:authenticatesClients:)``).
    public var port: Int {
        Int(url.split(separator: "?").first?.split(separator: ":").last?.split(separator: "/").first ?? "") ?? 0
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
