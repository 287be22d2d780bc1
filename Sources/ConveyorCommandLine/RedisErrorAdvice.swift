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
        case .authenticationFailed:
            "Give that URL with --redis URL or REDIS_URL."
        case .invalidURL, .unknownMaster:
            "Fix the URL given with --redis or REDIS_URL."
        default:
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
