import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket with a TLS session on it: the transport of a `rediss://` connection.
///
/// Why the client terminates TLS itself: Debian bookworm ships hiredis 0.14, which predates hiredis's
/// TLS support (1.0) and can only read and write its own plain socket. Rather than leave hiredis, the
/// client keeps it as the protocol engine (``TLSChannel`` formats commands and parses replies with it)
/// and runs the TLS session here, with the system's OpenSSL (`libssl-dev`), which Debian keeps patched.
/// It lives in the client module because that module alone touches C, and because a TLS session
/// shares its connection's life: one owner thread, thrown away after any error.
///
/// The socket stays blocking, like hiredis's: `SO_RCVTIMEO`/`SO_SNDTIMEO` bound each read and write
/// (the command timeout, or the connect timeout during the handshake), and `shutdown(2)` from a
/// ``SocketInterrupter`` makes a blocked `SSL_read` return at once, as it does a blocked `read`.
final class TLSSocket {
    /// The socket, for ``SocketInterrupter``.
    let descriptor: Int32
    private let session: OpaquePointer
    private let address: String
    /// The current bound on one read or write, for the message of a timeout.
    private(set) var timeoutSeconds: Double

    /// Connects to `host:port` within `connectTimeout`, attaches the socket to `interrupter`, and
    /// completes the TLS handshake within another `connectTimeout`, verifying the server's certificate
    /// and name unless `tls` says not to.
    init(host: String, port: Int, tls: RedisTLSConfiguration, connectTimeout: Double, address: String, interrupter: SocketInterrupter?) throws(RedisError) {
        self.address = address
        timeoutSeconds = connectTimeout
        // The files are checked before connecting: a wrong path is the commonest mistake, and the
        // message should not depend on whether the server is up.
        let context = try TLSContext(tls, address: address)
        descriptor = try Self.connect(host: host, port: port, timeout: connectTimeout, address: address)
        interrupter?.attach(descriptor)
        guard let made = SSL_new(context.pointer) else {
            interrupter?.detach()
            close(descriptor)
            throw .tlsFailed(address: address, failure: .handshakeFailed(reason: OpenSSLErrors.take() ?? "SSL_new failed"))
        }
        // Before `session` is set: a throw from a fully initialized class runs its deinit, which
        // would free the session and close the socket a second time.
        do {
            try Self.handshake(made, on: descriptor, host: host, verifiesServer: tls.verifiesServer, timeout: connectTimeout, address: address)
        } catch {
            SSL_free(made)
            interrupter?.detach()
            close(descriptor)
            throw error
        }
        session = made
    }

    deinit {
        // No close_notify: the peer learns of the end from the closed socket, and a write here could
        // block on a hung server for a whole timeout. The owner has detached the interrupter already.
        SSL_free(session)
        close(descriptor)
    }

    /// Bounds every later read and write to `seconds` (0 waits forever, as with hiredis).
    func setTimeout(seconds: Double) {
        timeoutSeconds = seconds
        Self.setTimeout(seconds: seconds, on: descriptor)
    }

    private static func setTimeout(seconds: Double, on descriptor: Int32) {
        var limit = timeval(seconds: seconds)
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, size)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, size)
    }

    /// Writes every byte, or throws what stopped it; `command` names the first command in the bytes.
    func write(_ bytes: UnsafeRawBufferPointer, command: String) throws(RedisError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let chunk = Int32(clamping: bytes.count - offset)
            let written = SSL_write(session, bytes.baseAddress! + offset, chunk)
            if written <= 0 {
                throw failure(SSL_get_error(session, written), errno: errno, command: command)
            }
            offset += Int(written)
        }
    }

    /// Reads what has arrived (at least one byte) into `buffer`, or throws what stopped it.
    func read(into buffer: UnsafeMutableRawBufferPointer, command: String) throws(RedisError) -> Int {
        ERR_clear_error()
        let count = SSL_read(session, buffer.baseAddress, Int32(clamping: buffer.count))
        if count <= 0 {
            throw failure(SSL_get_error(session, count), errno: errno, command: command)
        }
        return Int(count)
    }

    /// The error of a failed `SSL_read` or `SSL_write`, in the terms hiredis's own failures use.
    private func failure(_ code: Int32, errno savedErrno: Int32, command: String) -> RedisError {
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            // A blocking socket only asks to retry when SO_RCVTIMEO or SO_SNDTIMEO ran out.
            return .timeout(command: command, seconds: timeoutSeconds)
        case SSL_ERROR_ZERO_RETURN:
            return .connectionLost(command: command, message: "the server closed the TLS session")
        case SSL_ERROR_SSL:
            let reason = OpenSSLErrors.peekReason()
            let text = OpenSSLErrors.take() ?? "TLS error"
            // TLS 1.3 finishes the client's handshake before the server has checked the client's
            // certificate: a refusal arrives as an alert on the first read.
            if reason >= SSL_AD_REASON_OFFSET {
                return .tlsFailed(address: address, failure: .refusedByServer(reason: text))
            }
            return .connectionLost(command: command, message: text)
        default:
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK {
                return .timeout(command: command, seconds: timeoutSeconds)
            }
            return .connectionLost(command: command, message: savedErrno == 0 ? "Server closed the connection" : String(cString: strerror(savedErrno)))
        }
    }

    private static func handshake(_ session: OpaquePointer, on descriptor: Int32, host: String, verifiesServer: Bool, timeout: Double, address: String) throws(RedisError) {
        setTimeout(seconds: timeout, on: descriptor)
        SSL_set_fd(session, descriptor)
        let isAddress = isIPAddress(host)
        // SNI carries names only (RFC 6066); an IP address is checked against the IP SANs instead.
        if !isAddress { _ = conveyor_SSL_set_tlsext_host_name(session, host) }
        if verifiesServer {
            let checked = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(session), host) : SSL_set1_host(session, host)
            guard checked == 1 else {
                throw .tlsFailed(address: address, failure: .handshakeFailed(reason: "OpenSSL cannot check the name '\(host)'"))
            }
        }
        ERR_clear_error()
        let result = SSL_connect(session)
        if result == 1 { return }
        let code = SSL_get_error(session, result)
        let savedErrno = errno
        if verifiesServer {
            let verification = SSL_get_verify_result(session)
            if verification != X509_V_OK {
                throw .tlsFailed(address: address, failure: verificationFailure(verification, host: host))
            }
        }
        let failure: RedisTLSFailure
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            // A plain Redis port reads the ClientHello as the start of an inline command and waits
            // for its end of line: silence is its usual answer.
            failure = .notTLSServer(reason: "no TLS answer within \(RedisError.format(timeout)) seconds")
        case SSL_ERROR_SSL:
            let reason = OpenSSLErrors.peekReason()
            let text = OpenSSLErrors.take() ?? "TLS error"
            if [SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_UNEXPECTED_EOF_WHILE_READING].contains(reason) {
                // A plain Redis that did see an end of line answers `-ERR …` in clear text.
                failure = .notTLSServer(reason: text)
            } else if reason >= SSL_AD_REASON_OFFSET {
                failure = .refusedByServer(reason: text)
            } else {
                failure = .handshakeFailed(reason: text)
            }
        default:
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK {
                failure = .notTLSServer(reason: "no TLS answer within \(RedisError.format(timeout)) seconds")
            } else {
                failure = .handshakeFailed(reason: savedErrno == 0 ? "the server closed the connection" : String(cString: strerror(savedErrno)))
            }
        }
        throw .tlsFailed(address: address, failure: failure)
    }

    private static func verificationFailure(_ code: Int, host: String) -> RedisTLSFailure {
        let reason = X509_verify_cert_error_string(code).map { String(cString: $0) } ?? "error \(code)"
        switch Int32(code) {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .hostMismatch(host: host)
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            return .expiredCertificate(reason: reason)
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return .untrustedCertificate(reason: reason)
        default:
            return .certificateRejected(reason: reason)
        }
    }

    /// Connects within `timeout` to the first address of `host` that answers, with Nagle's algorithm
    /// off as hiredis sets it: a command is one small write that must leave at once.
    private static func connect(host: String, port: Int, timeout: Double, address: String) throws(RedisError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw .connectionFailed(address: address, message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address for \(host)"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let info = current.pointee
            let descriptor = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard descriptor >= 0 else {
                lastError = String(cString: strerror(errno))
                continue
            }
            if let error = connect(descriptor, to: info.ai_addr, length: info.ai_addrlen, timeout: timeout) {
                close(descriptor)
                lastError = error
                continue
            }
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            return descriptor
        }
        throw .connectionFailed(address: address, message: lastError)
    }

    /// A non-blocking connect bounded by `poll`, then back to blocking; the error text or nil.
    private static func connect(_ descriptor: Int32, to target: UnsafeMutablePointer<sockaddr>, length: socklen_t, timeout: Double) -> String? {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, target, length) != 0 {
            guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let milliseconds = timeout > 0 ? Int32(min(timeout * 1000, Double(Int32.max))) : -1
            var ready: Int32
            repeat { ready = poll(&waiting, 1, milliseconds) } while ready < 0 && errno == EINTR
            if ready == 0 { return "Connection timed out" }
            if ready < 0 { return String(cString: strerror(errno)) }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
            if error != 0 { return String(cString: strerror(error)) }
        }
        _ = fcntl(descriptor, F_SETFL, flags)
        return nil
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var storage = in6_addr()
        return inet_pton(AF_INET, host, &storage) == 1 || inet_pton(AF_INET6, host, &storage) == 1
    }
}
