import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL client context (`SSL_CTX`) made from a ``RedisTLSConfiguration``: TLS 1.2 or later, the
/// trusted CAs, and the client's certificate and key when given.
///
/// Made per connection rather than cached: connections live long, and a fresh context picks up a
/// renewed CA or client certificate on the next reconnect without a restart.
final class TLSContext {
    let pointer: OpaquePointer

    init(_ tls: RedisTLSConfiguration, address: String) throws(RedisError) {
        func fail(_ failure: RedisTLSFailure) -> RedisError { .tlsFailed(address: address, failure: failure) }
        switch (tls.certificatePath, tls.privateKeyPath) {
        case (.some, nil): throw fail(.incompleteClientIdentity(missing: .privateKey))
        case (nil, .some): throw fail(.incompleteClientIdentity(missing: .certificate))
        default: break
        }
        // Readability first, so a wrong path reads as one rather than as OpenSSL's "system lib".
        for (file, path) in [(RedisTLSFailure.File.caCertificate, tls.caCertificatePath), (.certificate, tls.certificatePath), (.privateKey, tls.privateKeyPath)] {
            if let path, access(path, R_OK) != 0 {
                throw fail(.fileUnusable(file, path: path, reason: String(cString: strerror(errno))))
            }
        }
        ERR_clear_error()
        guard let made = SSL_CTX_new(TLS_client_method()) else {
            throw fail(.handshakeFailed(reason: OpenSSLErrors.take() ?? "SSL_CTX_new failed"))
        }
        pointer = made
        // From here a throw runs deinit, which frees the context.
        _ = conveyor_SSL_CTX_set_min_proto_version(made, TLS1_2_VERSION)
        if tls.verifiesServer {
            SSL_CTX_set_verify(made, SSL_VERIFY_PEER, nil)
        }
        if let path = tls.caCertificatePath {
            guard SSL_CTX_load_verify_locations(made, path, nil) == 1 else {
                throw fail(.fileUnusable(.caCertificate, path: path, reason: Self.pemReason()))
            }
        } else if SSL_CTX_set_default_verify_paths(made) != 1 {
            throw fail(.handshakeFailed(reason: "the system's CA certificates cannot be loaded: \(Self.pemReason())"))
        }
        if let certificate = tls.certificatePath, let key = tls.privateKeyPath {
            guard SSL_CTX_use_certificate_chain_file(made, certificate) == 1 else {
                throw fail(.fileUnusable(.certificate, path: certificate, reason: Self.pemReason()))
            }
            guard SSL_CTX_use_PrivateKey_file(made, key, SSL_FILETYPE_PEM) == 1 else {
                throw fail(.fileUnusable(.privateKey, path: key, reason: Self.pemReason()))
            }
            guard SSL_CTX_check_private_key(made) == 1 else {
                throw fail(.fileUnusable(.privateKey, path: key, reason: "it is not the key of the certificate '\(certificate)'"))
            }
        }
    }

    deinit {
        // Sessions made from the context hold their own reference to it.
        SSL_CTX_free(pointer)
    }

    /// What OpenSSL said about a file it could not use, worded for a person.
    private static func pemReason() -> String {
        let text = OpenSSLErrors.take() ?? "OpenSSL could not read it"
        return text == "no start line" || text == "no certificate or crl found" ? "it holds no PEM data of that kind (\(text))" : text
    }
}
