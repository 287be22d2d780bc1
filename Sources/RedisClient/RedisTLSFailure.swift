/// Why a TLS connection to Redis could not be set up, as ``RedisError/tlsFailed(address:failure:)``
/// carries it: each case is something a person fixes differently.
public enum RedisTLSFailure: Sendable, Equatable, CustomStringConvertible {
    /// Which of the configured files a ``fileUnusable(_:path:reason:)`` names.
    public enum File: String, Sendable, Equatable {
        /// ``RedisTLSConfiguration/caCertificatePath``.
        case caCertificate = "CA certificate"
        /// ``RedisTLSConfiguration/certificatePath``.
        case certificate = "client certificate"
        /// ``RedisTLSConfiguration/privateKeyPath``.
        case privateKey = "client private key"
    }

    /// A configured certificate or key file is missing, unreadable or not valid PEM.
    case fileUnusable(File, path: String, reason: String)
    /// A client certificate was given without its key, or a key without its certificate.
    case incompleteClientIdentity(missing: File)
    /// The server's certificate does not chain to a trusted CA; `reason` is OpenSSL's.
    case untrustedCertificate(reason: String)
    /// The server's certificate (or one in its chain) has expired or is not valid yet.
    case expiredCertificate(reason: String)
    /// The server's certificate is valid but does not name the host connected to.
    case hostMismatch(host: String)
    /// The server's certificate failed verification for another reason; `reason` is OpenSSL's.
    case certificateRejected(reason: String)
    /// The server did not answer the handshake in TLS: most likely a plain (non-TLS) Redis port.
    case notTLSServer(reason: String)
    /// The server ended the handshake with a TLS alert, e.g. because it requires a client certificate.
    case refusedByServer(reason: String)
    /// The handshake failed in another way; `reason` is OpenSSL's.
    case handshakeFailed(reason: String)

    /// What went wrong and what would fix it, in the library's terms (files, not flags).
    public var description: String {
        switch self {
        case .fileUnusable(let file, let path, let reason):
            "the \(file.rawValue) file '\(path)' cannot be used: \(reason)"
        case .incompleteClientIdentity(let missing):
            missing == .privateKey
                ? "a client certificate was given without its private key; give both or neither"
                : "a client private key was given without its certificate; give both or neither"
        case .untrustedCertificate(let reason):
            "the server's certificate is not signed by a trusted CA (\(reason)); trust the CA that signed it with a CA certificate file"
        case .expiredCertificate(let reason):
            "the server's certificate is outside its validity period (\(reason)); the server needs a current certificate"
        case .hostMismatch(let host):
            "the server's certificate does not name '\(host)'; connect with a host name or IP address the certificate lists"
        case .certificateRejected(let reason):
            "the server's certificate was rejected (\(reason))"
        case .notTLSServer(let reason):
            "the server did not answer in TLS (\(reason)); it looks like a plain Redis port, which takes redis:// rather than rediss://"
        case .refusedByServer(let reason):
            "the server refused the TLS connection (\(reason)); if it authenticates clients, it needs a client certificate it trusts"
        case .handshakeFailed(let reason):
            "the TLS handshake failed (\(reason))"
        }
    }

}
