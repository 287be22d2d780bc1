#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The environment variables the client reads: `REDIS_URL` and, for `rediss://`, the TLS files.
enum RedisEnvironment {
    /// The TLS settings' variables, named after redis-cli's flags (`--cacert`, `--cert`, `--key`,
    /// `--insecure`) as the URL's query parameters are.
    static let caCertificate = "REDIS_CACERT"
    static let certificate = "REDIS_CERT"
    static let privateKey = "REDIS_KEY"
    static let insecure = "REDIS_INSECURE"

    /// The variable's value, or nil when it is unset or empty.
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name), let text = String(validatingCString: raw), !text.isEmpty else { return nil }
        return text
    }
}
