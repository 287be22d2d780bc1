/// Parses Redis URLs by hand: Foundation's `URL` accepts too much (and differs across platforms) to give
/// the precise messages a user needs when a URL is wrong.
enum RedisURLParser {
    static func parse(_ url: String) throws(RedisError) -> RedisConfiguration {
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw .invalidURL(url, reason: "it has no scheme; write it like redis://127.0.0.1:6379/0")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = String(url[schemeEnd.upperBound...])
        switch scheme {
        case "redis":
            return try parseTCP(rest, url: url, tls: nil)
        case "rediss":
            return try parseTCP(rest, url: url, tls: RedisTLSConfiguration())
        case "unix":
            return try parseUnix(rest, url: url)
        default:
            throw .invalidURL(url, reason: "the scheme '\(scheme)' is not supported; use redis://, rediss:// or unix://")
        }
    }

    private static func parseTCP(_ rest: String, url: String, tls: RedisTLSConfiguration?) throws(RedisError) -> RedisConfiguration {
        var remainder = Substring(rest)
        var username: String?
        var password: String?
        // User info first: a password may contain '?' or '/', which must not start a query or path.
        var userInfo: Substring?
        if let at = remainder.lastIndex(of: "@") {
            userInfo = remainder[..<at]
            remainder = remainder[remainder.index(after: at)...]
        }
        var query: Substring = ""
        if let mark = remainder.firstIndex(of: "?") {
            query = remainder[remainder.index(after: mark)...]
            remainder = remainder[..<mark]
        }
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                let user = try decode(userInfo[..<colon], url: url)
                username = user.isEmpty ? nil : user
                password = try decode(userInfo[userInfo.index(after: colon)...], url: url)
            } else {
                // `redis://secret@host` is ambiguous; redis-cli and most clients read a lone value as the password.
                password = try decode(userInfo, url: url)
            }
        }
        var path: Substring = ""
        if let slash = remainder.firstIndex(of: "/") {
            path = remainder[remainder.index(after: slash)...]
            remainder = remainder[..<slash]
        }
        let (host, port) = try parseHostAndPort(remainder, url: url)
        var database = 0
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else {
                throw .invalidURL(url, reason: "the database '\(path)' after the last '/' must be a number such as 0")
            }
            database = number
        }
        // `redis://:@host` has an empty password: that means no AUTH, as redis-cli reads it, rather than
        // `AUTH ""`, which a server without a password refuses.
        if password?.isEmpty == true { password = nil }
        var configuration = RedisConfiguration(endpoint: .tcp(host: host, port: port), username: username, password: password, database: database, tls: tls)
        try applyQuery(query, to: &configuration, url: url)
        return configuration
    }

    private static func parseHostAndPort(_ authority: Substring, url: String) throws(RedisError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidURL(url, reason: "the IPv6 address has no closing ']'")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw .invalidURL(url, reason: "unexpected '\(after)' after the IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        if host.isEmpty { host = "127.0.0.1" }
        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw .invalidURL(url, reason: "the port '\(portText)' must be a number from 1 to 65535")
            }
            port = number
        }
        return (String(host), port)
    }

    private static func parseUnix(_ rest: String, url: String) throws(RedisError) -> RedisConfiguration {
        var path = Substring(rest)
        var query: Substring = ""
        if let mark = path.firstIndex(of: "?") {
            query = path[path.index(after: mark)...]
            path = path[..<mark]
        }
        guard path.hasPrefix("/") else {
            throw .invalidURL(url, reason: "a unix URL needs an absolute socket path, like unix:///run/redis/redis.sock?db=0")
        }
        var configuration = RedisConfiguration(endpoint: .unixSocket(path: try decode(path, url: url)))
        try applyQuery(query, to: &configuration, url: url)
        return configuration
    }

    private static func applyQuery(_ query: Substring, to configuration: inout RedisConfiguration, url: String) throws(RedisError) {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0]
            let value = try decode(parts.count > 1 ? parts[1] : "", url: url)
            switch name {
            case "db":
                guard let number = Int(value), number >= 0 else {
                    throw .invalidURL(url, reason: "db='\(value)' must be a number such as 0")
                }
                configuration.database = number
            case "password":
                configuration.password = value.isEmpty ? nil : value
            case "user", "username":
                configuration.username = value
            case "cacert", "cert", "key", "insecure":
                guard var tls = configuration.tls else {
                    throw .invalidURL(url, reason: "the query parameter '\(name)' is a TLS setting; use it with rediss://")
                }
                try applyTLSParameter(String(name), value: value, to: &tls, url: url)
                configuration.tls = tls
            default:
                let known = configuration.tls == nil ? "db, password or user" : "db, password, user, cacert, cert, key or insecure"
                throw .invalidURL(url, reason: "the query parameter '\(name)' is not known; use \(known)")
            }
        }
    }

    /// The TLS query parameters, named after redis-cli's flags: `cacert`, `cert`, `key`, `insecure`.
    private static func applyTLSParameter(_ name: String, value: String, to tls: inout RedisTLSConfiguration, url: String) throws(RedisError) {
        if name == "insecure" {
            // A bare `?insecure` means what redis-cli's bare `--insecure` means.
            guard let insecure = value.isEmpty ? true : boolean(value) else {
                throw .invalidURL(url, reason: "insecure='\(value)' must be true or false")
            }
            tls.verifiesServer = !insecure
            return
        }
        guard !value.isEmpty else {
            throw .invalidURL(url, reason: "the query parameter '\(name)' needs a file path, like \(name)=/etc/redis/tls/\(name == "key" ? "client.key" : name == "cert" ? "client.crt" : "ca.crt")")
        }
        switch name {
        case "cacert": tls.caCertificatePath = value
        case "cert": tls.certificatePath = value
        default: tls.privateKeyPath = value
        }
    }

    /// `true`/`false` as URLs and environment variables write them (also 1/0 and yes/no).
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes": true
        case "false", "0", "no": false
        default: nil
        }
    }

    /// Percent-decodes a URL component so passwords may contain '@', ':' or '/'.
    private static func decode(_ text: Substring, url: String) throws(RedisError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                    throw .invalidURL(url, reason: "it has a '%' that is not followed by two hex digits")
                }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
