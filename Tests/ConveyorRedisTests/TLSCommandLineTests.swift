import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// Issue 12, TLS: the real `conveyor` and `conveyor-worker` against TLS-only redis-servers with a
/// throwaway CA (made with the `openssl` command line), through flags, URL parameters and
/// environment variables; and each failure with its message and exit status.
@Suite("TLS with the CLIs", .serialized, .timeLimit(.minutes(3)))
struct TLSCommandLineTests {
    /// Valid, expired, wrong-host and client-authenticating servers, started once for the suite.
    static let servers = StartedOnce<[Server: RedisTestServer]> {
        let certificates = try await TLSTestCertificates.shared()
        return [
            .valid: try await RedisTestServer.startTLS(certificates: certificates),
            .expired: try await RedisTestServer.startTLS(certificates: certificates, serverCertificate: certificates.expiredServer),
            .wrongHost: try await RedisTestServer.startTLS(certificates: certificates, serverCertificate: certificates.wrongHostServer),
            .mutual: try await RedisTestServer.startTLS(certificates: certificates, authenticatesClients: true),
        ]
    }

    enum Server: Sendable { case valid, expired, wrongHost, mutual, plain }

    static func port(_ server: Server) async throws -> Int {
        if server == .plain { return try await RedisTestServer.shared().port }
        return try await servers.value()[server]!.port
    }

    static func run(_ program: String, _ arguments: [String], environment: [String: String]) async throws -> CommandLine.Result {
        // Only the given variables: a REDIS_URL or REDIS_CACERT of the test run must not leak in.
        var all = ["REDIS_URL": "", "REDIS_CACERT": "", "REDIS_CERT": "", "REDIS_KEY": "", "REDIS_INSECURE": ""]
        for (name, value) in environment { all[name] = value }
        return await CommandLine.finish(try ChildProcess(CommandLine.path(program), arguments, environment: all))
    }

    @Test("push → conveyor-worker → every job runs, all over TLS: flags, environment variables and URL parameters")
    func pushWorkAndStatsOverTLS() async throws {
        let server = try await Self.servers.value()[.valid]!
        let caFile = try await TLSTestCertificates.shared().caCertificate
        let namespace = RedisTestServer.uniqueNamespace("tls-e2e")
        let recorded = "\(namespace):recorded"
        let plainURL = "rediss://127.0.0.1:\(server.port)/0"
        // Flags.
        let push = try await Self.run("conveyor", ["push", "Record", "[\"\(recorded)\"]", "--count", "500", "--namespace", namespace,
                                                   "--redis", plainURL, "--cacert", caFile], environment: [:])
        #expect(push.status == 0, "push failed: \(push.errors)")
        #expect(push.output.contains("Pushed 500 jobs"))
        // Environment variables.
        let work = try await Self.run("conveyor-worker", ["--drain", "--concurrency", "20", "--namespace", namespace],
                                      environment: ["REDIS_URL": plainURL, "REDIS_CACERT": caFile])
        #expect(work.status == 0, "worker failed: \(work.errors)")
        // URL parameters, by host name.
        let stats = try await Self.run("conveyor", ["stats", "--json", "--namespace", namespace],
                                       environment: ["REDIS_URL": "rediss://localhost:\(server.port)/0?cacert=\(caFile)"])
        #expect(stats.status == 0, "\(stats.errors)")
        #expect(stats.output.contains("\"processed\" : 500"), "\(stats.output)")
        let client = try server.makeClient()
        #expect(try await client.send("SCARD", recorded).integer == 500, "every job ran once, over TLS")
        let backend = RedisBackend(client: client, namespace: namespace)
        let statistics = try await backend.statistics()
        #expect(statistics.enqueued == 0 && statistics.inProgress == 0)
        try await deleteNamespace(namespace, client: client)
        await client.close()
    }

    @Test("--cert and --key authenticate to a server that demands client certificates; --insecure skips verification")
    func clientCertificatesAndInsecure() async throws {
        let certificates = try await TLSTestCertificates.shared()
        let mutual = try await Self.port(.mutual)
        let withCertificate = try await Self.run("conveyor", ["stats", "--redis", "rediss://127.0.0.1:\(mutual)/0", "--cacert", certificates.caCertificate,
                                                              "--cert", certificates.client.certificate, "--key", certificates.client.key], environment: [:])
        #expect(withCertificate.status == 0, "\(withCertificate.errors)")
        let insecure = try await Self.run("conveyor", ["stats", "--redis", "rediss://127.0.0.1:\(try await Self.port(.wrongHost))/0", "--insecure"], environment: [:])
        #expect(insecure.status == 0, "\(insecure.errors)")
        let insecureByEnvironment = try await Self.run("conveyor", ["stats"], environment: [
            "REDIS_URL": "rediss://127.0.0.1:\(try await Self.port(.expired))/0", "REDIS_INSECURE": "true",
        ])
        #expect(insecureByEnvironment.status == 0, "\(insecureByEnvironment.errors)")
    }

    @Test("a flag wins over the URL's parameter, and the URL's parameter over the environment")
    func precedence() async throws {
        let certificates = try await TLSTestCertificates.shared()
        let base = "rediss://127.0.0.1:\(try await Self.port(.valid))/0"
        let flagWins = try await Self.run("conveyor", ["stats", "--redis", "\(base)?cacert=\(certificates.otherCACertificate)", "--cacert", certificates.caCertificate], environment: [:])
        #expect(flagWins.status == 0, "\(flagWins.errors)")
        let urlWins = try await Self.run("conveyor", ["stats"], environment: ["REDIS_URL": "\(base)?cacert=\(certificates.caCertificate)", "REDIS_CACERT": certificates.otherCACertificate])
        #expect(urlWins.status == 0, "\(urlWins.errors)")
        let environmentOnly = try await Self.run("conveyor", ["stats"], environment: ["REDIS_URL": base, "REDIS_CACERT": certificates.otherCACertificate])
        #expect(environmentOnly.status == 1 && environmentOnly.errors.contains("not signed by a trusted CA"), "the variable is read: \(environmentOnly.errors)")
    }

    /// Each failure, with the library's message and the command line's advice.
    static let failures: [(server: Server, scheme: String, arguments: [String], expected: [String])] = [
        (.valid, "rediss", ["--cacert", "OTHER_CA"], ["not signed by a trusted CA", "--cacert FILE"]),
        (.expired, "rediss", ["--cacert", "CA"], ["outside its validity period", "certificate has expired"]),
        (.wrongHost, "rediss", ["--cacert", "CA"], ["does not name '127.0.0.1'", "--insecure"]),
        (.valid, "redis", [], ["ended the connection without a Redis reply", "expects TLS", "rediss://"]),
        (.plain, "rediss", [], ["did not answer in TLS", "plain Redis port", "redis://"]),
        (.valid, "rediss", ["--cacert", "/nonexistent/ca.crt"], ["CA certificate file '/nonexistent/ca.crt' cannot be used: No such file or directory"]),
        (.mutual, "rediss", ["--cacert", "CA"], ["refused the TLS connection", "--cert FILE --key FILE"]),
        (.mutual, "rediss", ["--cacert", "CA", "--cert", "CLIENT_CERT"], ["without its private key"]),
    ]

    @Test("each TLS failure exits 1 with its message", arguments: 0..<failures.count)
    func failure(index: Int) async throws {
        let (server, scheme, arguments, expected) = Self.failures[index]
        let certificates = try await TLSTestCertificates.shared()
        let substitutions = ["CA": certificates.caCertificate, "OTHER_CA": certificates.otherCACertificate, "CLIENT_CERT": certificates.client.certificate]
        let url = "\(scheme)://127.0.0.1:\(try await Self.port(server))/0"
        let result = try await Self.run("conveyor", ["stats", "--redis", url] + arguments.map { substitutions[$0] ?? $0 }, environment: [:])
        #expect(result.status == 1, "\(result.errors)")
        for text in expected {
            #expect(result.errors.contains(text), "stderr was: \(result.errors)")
        }
    }

    @Test("conveyor web serves the dashboard from a TLS Redis")
    func webOverTLS() async throws {
        let port = try FreePort.find()
        let caFile = try await TLSTestCertificates.shared().caCertificate
        let web = try ChildProcess(CommandLine.path("conveyor"), ["web", "--port", "\(port)", "--cacert", caFile], environment: [
            "REDIS_URL": "rediss://127.0.0.1:\(try await Self.port(.valid))/0", "CONVEYOR_WEB_PASSWORD": "",
        ])
        try await waitUntil(timeout: 30, "conveyor web answers") {
            guard web.isRunning else { throw TestKitError("conveyor web exited early: \(await web.finish().errors)") }
            return (try? await Self.overview(port: port))?.status == 200
        }
        #expect(try await Self.overview(port: port).body.contains("redis_version"), "the overview shows the TLS server's INFO")
        web.signal(SIGTERM)
        #expect(await web.finish().status == 0)
    }

    /// GET / with `Connection: close`: the response ends with the connection instead of a keep-alive timeout.
    static func overview(port: Int) async throws -> HTTPTestClient.Response {
        try await HTTPTestClient.send(Array("GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8), port: port)
    }

    @Test("conveyor-worker refuses an untrusted server with exit 1 and the reason")
    func workerRefusesAnUntrustedServer() async throws {
        let other = try await TLSTestCertificates.shared().otherCACertificate
        let result = try await Self.run("conveyor-worker", ["--drain", "--redis", "rediss://127.0.0.1:\(try await Self.port(.valid))/0", "--cacert", other], environment: [:])
        #expect(result.status == 1)
        #expect(result.errors.contains("not signed by a trusted CA"), "\(result.errors)")
    }

    @Test("a TLS flag with a plain URL is a usage error (exit 64) in both executables")
    func tlsFlagWithPlainURL() async throws {
        for program in ["conveyor", "conveyor-worker"] {
            let arguments = program == "conveyor" ? ["stats", "--insecure"] : ["--insecure"]
            let result = try await Self.run(program, arguments, environment: ["REDIS_URL": "redis://127.0.0.1:1/0"])
            #expect(result.status == 64, "\(program): \(result.errors)")
            #expect(result.errors.contains("--insecure is a TLS setting"), "\(program): \(result.errors)")
        }
    }
}
