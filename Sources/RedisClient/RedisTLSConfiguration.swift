/// How to speak TLS to Redis (`rediss://`): whom to trust and who this client is.
///
/// The server's certificate chain and its name are verified by default: the chain against
/// ``caCertificatePath`` (or the system's trust store when it is nil), the name against the host of
/// the URL (a DNS name against the certificate's DNS names, an IP address against its IP addresses).
public struct RedisTLSConfiguration: Sendable, Equatable {
    /// A PEM file of the CA certificates to trust; nil trusts the system's store (`/etc/ssl/certs`).
    public var caCertificatePath: String?
    /// A PEM client certificate (chain) for servers that authenticate clients (`tls-auth-clients yes`).
    public var certificatePath: String?
    /// The PEM private key of ``certificatePath``.
    public var privateKeyPath: String?
    /// False skips verifying the server's certificate and name (`insecure=true`): the connection is
    /// encrypted but anyone on the path can pose as the server. For tests and debugging only.
    public var verifiesServer: Bool

    /// Creates a TLS configuration; with no arguments it trusts the system's CAs and verifies the server.
    public init(caCertificatePath: String? = nil, certificatePath: String? = nil, privateKeyPath: String? = nil, verifiesServer: Bool = true) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.verifiesServer = verifiesServer
    }
}
