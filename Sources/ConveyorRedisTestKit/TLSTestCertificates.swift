import ConveyorTestKit
import Foundation

/// A throwaway CA and certificates made with the `openssl` command line, for TLS tests: a server
/// certificate for `127.0.0.1` and `localhost`, an expired one, one for another host name, one from a
/// CA nobody trusts, and a client certificate. Made once per test process, in a temporary directory.
public final class TLSTestCertificates: Sendable {
    /// The directory holding every file.
    public let directory: URL

    /// The CA that signed every certificate below but ``untrustedServer``.
    public var caCertificate: String { path("ca.crt") }
    /// A CA that signed nothing the servers present: trusting it alone must fail verification.
    public var otherCACertificate: String { path("other-ca.crt") }
    /// Valid for `localhost` and `127.0.0.1` (DNS and IP subject alternative names).
    public var server: (certificate: String, key: String) { pair("server") }
    /// Names `localhost` and `127.0.0.1`, but its validity ended yesterday.
    public var expiredServer: (certificate: String, key: String) { pair("expired") }
    /// Valid, but only for `wrong.example.com`.
    public var wrongHostServer: (certificate: String, key: String) { pair("wrong-host") }
    /// A client certificate (`clientAuth`) signed by ``caCertificate``.
    public var client: (certificate: String, key: String) { pair("client") }

    private init(directory: URL) {
        self.directory = directory
    }

    /// The certificates of this test process, made on first use.
    public static func shared() async throws -> TLSTestCertificates {
        try await made.value()
    }

    private static let made = StartedOnce<TLSTestCertificates> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TLSTestCertificates(directory: directory)
        try await certificates.make()
        return certificates
    }

    private func make() async throws {
        try await makeCA("ca", subject: "/CN=Conveyor Test CA")
        try await makeCA("other-ca", subject: "/CN=Some Other CA")
        let serverNames = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        try await makeLeaf("server", subject: "/CN=localhost", extensions: serverNames, days: "2")
        try await makeLeaf("expired", subject: "/CN=localhost", extensions: serverNames, days: "-1")
        try await makeLeaf("wrong-host", subject: "/CN=wrong.example.com", extensions: "subjectAltName=DNS:wrong.example.com\nextendedKeyUsage=serverAuth\n", days: "2")
        try await makeLeaf("client", subject: "/CN=conveyor-client", extensions: "extendedKeyUsage=clientAuth\n", days: "2")
    }

    private func makeCA(_ name: String, subject: String) async throws {
        try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).crt"), "-days", "2", "-subj", subject])
    }

    /// A key and a certificate signed by the test CA; `days` -1 makes one that expired yesterday.
    private func makeLeaf(_ name: String, subject: String, extensions: String, days: String) async throws {
        try await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        try Data(extensions.utf8).write(to: directory.appendingPathComponent("\(name).ext"))
        try await openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", caCertificate, "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("\(name).crt"), "-days", days, "-extfile", path("\(name).ext")])
    }

    /// Runs the `openssl` command line and waits for it without holding a thread (``ChildProcess/finish()``).
    private func openssl(_ arguments: [String]) async throws {
        let process = try ChildProcess(try RedisTestServer.locate("openssl"), arguments)
        let status = await process.finish().status
        guard status == 0 else {
            throw TestKitError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (exit \(status)); is the openssl command installed? Run scripts/install-deps.")
        }
    }

    private func path(_ file: String) -> String {
        directory.appendingPathComponent(file).path
    }

    private func pair(_ name: String) -> (certificate: String, key: String) {
        (path("\(name).crt"), path("\(name).key"))
    }
}
