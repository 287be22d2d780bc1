import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// `rediss://` against real TLS-only redis-servers (`--port 0 --tls-port P`) with a throwaway CA made
/// by the `openssl` command line: what works, and each failure with its own error.
@Suite("TLS connections", .serialized, .timeLimit(.minutes(2)))
struct TLSConnectionTests {
    /// One server per certificate, started once: valid, expired, for another host, demanding clients' certificates.
    static let servers = StartedOnce<(valid: RedisTestServer, expired: RedisTestServer, wrongHost: RedisTestServer, mutual: RedisTestServer)> {
        let certificates = try await TLSTestCertificates.shared()
        return (
            try await RedisTestServer.startTLS(certificates: certificates),
            try await RedisTestServer.startTLS(certificates: certificates, serverCertificate: certificates.expiredServer),
            try await RedisTestServer.startTLS(certificates: certificates, serverCertificate: certificates.wrongHostServer),
            try await RedisTestServer.startTLS(certificates: certificates, authenticatesClients: true)
        )
    }

    func connectionError(_ url: String, _ adjust: @Sendable (inout RedisConfiguration) -> Void = { _ in }) async throws -> RedisError? {
        var configuration = try RedisConfiguration(url: url)
        adjust(&configuration)
        let result = await capture { try await withConnection(configuration) { try $0.send(RedisCommand("PING")) } }
        switch result {
        case .success: return nil
        case .failure(let error as RedisError): return error
        case .failure(let error): throw error
        }
    }

    @Test func commandsAndPipelinesOverTLS() async throws {
        let server = try await Self.servers.value().valid
        let values = RedisConnectionTests.awkwardValues + [patternBytes(count: 300_000)]
        let replies = try await withConnection(try RedisConfiguration(url: server.url)) { connection in
            let namespace = RedisTestServer.uniqueNamespace("tls")
            var replies: [RedisValue] = []
            for (index, value) in values.enumerated() {
                replies.append(try connection.send(RedisCommand("SET", "\(namespace):\(index)", value)))
                replies.append(try connection.send(RedisCommand("GET", "\(namespace):\(index)")))
            }
            let pipelined = try connection.pipeline((0..<2000).map { _ in RedisCommand("INCR", "\(namespace):counter") })
            replies.append(pipelined.last ?? .null)
            replies.append(try connection.send(RedisCommand("UNLINK", "\(namespace):counter")))
            return replies
        }
        for (index, value) in values.enumerated() {
            #expect(replies[2 * index] == .status("OK"))
            #expect(replies[2 * index + 1] == .bulkString(value), "value \(index) came back changed")
        }
        #expect(replies[2 * values.count] == .integer(2000))
    }

    @Test func hostNamesAndIPAddressesAreVerified() async throws {
        let server = try await Self.servers.value().valid
        let caFile = try await TLSTestCertificates.shared().caCertificate
        // The certificate names DNS:localhost and IP:127.0.0.1; both forms verify.
        #expect(try await connectionError("rediss://localhost:\(server.port)/0?cacert=\(caFile)") == nil)
        #expect(try await connectionError("rediss://127.0.0.1:\(server.port)/0?cacert=\(caFile)") == nil)
    }

    @Test func untrustedCAFails() async throws {
        let server = try await Self.servers.value().valid
        let other = try await TLSTestCertificates.shared().otherCACertificate
        let error = try await connectionError("rediss://127.0.0.1:\(server.port)/0?cacert=\(other)")
        guard case .tlsFailed(let address, .untrustedCertificate) = error else {
            Issue.record("expected an untrusted certificate, got \(String(describing: error))")
            return
        }
        #expect(address == "rediss://127.0.0.1:\(server.port)/0")
        #expect(error!.description.contains("not signed by a trusted CA"))
        // The system's trust store does not know the test CA either.
        let systemError = try await connectionError("rediss://127.0.0.1:\(server.port)/0")
        #expect(systemError.map { if case .tlsFailed(_, .untrustedCertificate) = $0 { true } else { false } } == true, "\(String(describing: systemError))")
    }

    @Test func expiredCertificateFails() async throws {
        let server = try await Self.servers.value().expired
        let error = try await connectionError(server.url)
        #expect(error == .tlsFailed(address: "rediss://127.0.0.1:\(server.port)/0", failure: .expiredCertificate(reason: "certificate has expired")))
    }

    @Test func wrongHostNameFails() async throws {
        let server = try await Self.servers.value().wrongHost
        let error = try await connectionError(server.url)
        #expect(error == .tlsFailed(address: "rediss://127.0.0.1:\(server.port)/0", failure: .hostMismatch(host: "127.0.0.1")))
        #expect(error?.description.contains("does not name '127.0.0.1'") == true)
        // insecure skips verification: the same server then answers.
        #expect(try await connectionError(server.url + "&insecure=true") == nil)
    }

    @Test func plainURLToTLSPortSaysTheServerExpectsTLS() async throws {
        let server = try await Self.servers.value().valid
        let error = try await connectionError("redis://127.0.0.1:\(server.port)/0")
        guard case .serverExpectsTLS(let address, _) = error else {
            Issue.record("expected serverExpectsTLS, got \(String(describing: error))")
            return
        }
        #expect(address == "redis://127.0.0.1:\(server.port)/0")
        #expect(error!.description.contains("rediss://"))
    }

    @Test func tlsURLToPlainPortSaysItIsNotATLSServer() async throws {
        let plain = try await RedisTestServer.shared()
        let started = Date()
        let error = try await connectionError("rediss://127.0.0.1:\(plain.port)/0") { $0.connectTimeout = 1 }
        guard case .tlsFailed(_, .notTLSServer) = error else {
            Issue.record("expected notTLSServer, got \(String(describing: error))")
            return
        }
        #expect(Date().timeIntervalSince(started) < 5, "the handshake is bounded by the connect timeout")
        #expect(error!.description.contains("plain Redis port"))
    }

    @Test func missingAndIncompleteFilesFail() async throws {
        let server = try await Self.servers.value().valid
        let certificates = try await TLSTestCertificates.shared()
        let missing = try await connectionError("rediss://127.0.0.1:\(server.port)/0?cacert=/nonexistent/ca.crt")
        #expect(missing == .tlsFailed(address: "rediss://127.0.0.1:\(server.port)/0", failure: .fileUnusable(.caCertificate, path: "/nonexistent/ca.crt", reason: "No such file or directory")))
        // A key is not a certificate.
        let notPEM = try await connectionError("rediss://127.0.0.1:\(server.port)/0?cacert=\(certificates.client.key)")
        #expect(notPEM.map { if case .tlsFailed(_, .fileUnusable(.caCertificate, _, _)) = $0 { true } else { false } } == true, "\(String(describing: notPEM))")
        let halfIdentity = try await connectionError(server.url + "&cert=\(certificates.client.certificate)")
        #expect(halfIdentity == .tlsFailed(address: "rediss://127.0.0.1:\(server.port)/0", failure: .incompleteClientIdentity(missing: .privateKey)))
    }

    @Test func clientCertificates() async throws {
        let server = try await Self.servers.value().mutual
        let client = try await TLSTestCertificates.shared().client
        #expect(try await connectionError(server.url + "&cert=\(client.certificate)&key=\(client.key)") == nil)
        let error = try await connectionError(server.url)
        guard case .tlsFailed(_, .refusedByServer) = error else {
            Issue.record("expected refusedByServer, got \(String(describing: error))")
            return
        }
    }

    /// `setCommandTimeout` bounds a blocking command over TLS as it does over plain TCP.
    @Test func commandTimeoutApplies() async throws {
        let server = try await Self.servers.value().valid
        let started = Date()
        let error = await capture {
            try await withConnection(try RedisConfiguration(url: server.url)) { connection in
                connection.setCommandTimeout(seconds: 0.3)
                return try connection.send(RedisCommand("BLPOP", RedisTestServer.uniqueNamespace("tls-timeout"), "5"))
            }
        }
        #expect(throws: RedisError.timeout(command: "BLPOP", seconds: 0.3)) { try error.get() }
        #expect(Date().timeIntervalSince(started) < 3)
    }

    /// `close()` cuts a blocked TLS read short, as it does a plain one.
    @Test func closeInterruptsABlockedRead() async throws {
        let server = try await Self.servers.value().valid
        let client = try server.makeClient()
        #expect(try await client.send("PING") == .status("PONG"))
        let blocked = Task { await capture { try await client.send("BLPOP", RedisTestServer.uniqueNamespace("tls-close"), "0") } }
        try await Task.sleep(for: .milliseconds(200))
        let started = Date()
        await client.close()
        let outcome = await blocked.value
        #expect(Date().timeIntervalSince(started) < 3, "close() waited for the blocked read")
        #expect(throws: RedisError.self) { try outcome.get() }
    }
}

