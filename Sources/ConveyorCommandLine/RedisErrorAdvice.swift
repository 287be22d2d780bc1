import RedisClient

/// What the user of `conveyor` or a worker executable can do about a Redis error: the client library
/// says what happened, and only the command lines know they take the address from `--redis` or
/// `REDIS_URL`, which both do.
public enum RedisErrorAdvice {
    /// A sentence to print after the error's own message, or nil when the message says enough.
    public static func advice(for error: RedisError) -> String? {
        switch error {
        case .connectionFailed:
            "Is redis-server running there? Set the address with --redis URL or REDIS_URL."
        case .sentinelsUnavailable:
            "Are the sentinels running there? Set their addresses with --redis redis+sentinel://HOST:PORT,HOST:PORT/MASTER or REDIS_URL."
        case .failoverUnderWay:
            "Run the command again once the failover is over (usually a few seconds)."
        case .authenticationFailed:
            "Give that URL with --redis URL or REDIS_URL."
        case .invalidURL, .unknownMaster:
            "Fix the URL given with --redis or REDIS_URL."
        case .serverExpectsTLS:
            "Give a rediss:// URL with --redis or REDIS_URL (and --cacert FILE when a private CA signed the server's certificate)."
        case .tlsFailed(_, let failure):
            advice(for: failure)
        default:
            nil
        }
    }

    /// The flags, URL parameters and environment variables that fix a TLS failure.
    private static func advice(for failure: RedisTLSFailure) -> String? {
        let insecure = "--insecure (or insecure=true in the URL, or REDIS_INSECURE=true) skips verification, for tests only."
        return switch failure {
        case .fileUnusable, .incompleteClientIdentity:
            "Check the files given with --cacert, --cert and --key (or the URL's cacert, cert and key parameters, or REDIS_CACERT, REDIS_CERT and REDIS_KEY)."
        case .untrustedCertificate, .certificateRejected:
            "Give that CA's certificate with --cacert FILE (or cacert=FILE in the URL, or REDIS_CACERT); \(insecure)"
        case .expiredCertificate:
            "Renew the server's certificate; \(insecure)"
        case .hostMismatch:
            "Put a name the certificate lists in --redis or REDIS_URL; \(insecure)"
        case .notTLSServer:
            "For a plain port, give a redis:// URL with --redis or REDIS_URL."
        case .refusedByServer:
            "Give a client certificate the server trusts with --cert FILE --key FILE (or REDIS_CERT and REDIS_KEY)."
        case .handshakeFailed:
            nil
        }
    }

    /// The error's message, followed by the advice for a ``RedisError``.
    public static func message(for error: any Error) -> String {
        guard let redisError = error as? RedisError, let advice = advice(for: redisError) else {
            return "\(error)"
        }
        return "\(redisError) \(advice)"
    }
}
