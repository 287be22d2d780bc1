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
        case "redis+sentinel":
            return try parseSentinel(rest, url: url)
        default:
            throw .invalidURL(url, reason: "the scheme '\(scheme)' is not supported; use redis://, rediss://, unix:// or redis+sentinel://")
        }
    }

    /// The parts of a URL after `scheme://`, split the way both TCP forms share.
    private struct Parts {
        var username: String?
        var password: String?
        /// The host list, up to the first '/'.
        var authority: Substring
        /// What follows the first '/' after the authority, without that slash.
        var path: Substring
        var query: Substring
    }

    private static func split(_ rest: String, url: String) throws(RedisError) -> Parts {
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
        // `redis://:@host` has an empty password: that means no AUTH, as redis-cli reads it, rather than
        // `AUTH ""`, which a server without a password refuses.
        if password?.isEmpty == true { password = nil }
        return Parts(username: username, password: password, authority: remainder, path: path, query: query)
    }

    private static func parseTCP(_ rest: String, url: String, tls: RedisTLSConfiguration?) throws(RedisError) -> RedisConfiguration {
        let parts = try split(rest, url: url)
        let (host, port) = try parseHostAndPort(parts.authority, defaultPort: 6379, url: url)
        let database = try parseDatabase(parts.path, url: url)
        var configuration = RedisConfiguration(endpoint: .tcp(host: host, port: port), username: parts.username, password: parts.password, database: database, tls: tls)
        try applyQuery(parts.query, to: &configuration, url: url)
        return configuration
    }

    /// `redis+sentinel://[user:password@]host1[:port],host2[:port]/MASTERNAME[/db][?query]`: the user
    /// info is the master's, as in a redis:// URL; the sentinels' own credentials are query parameters.
    private static func parseSentinel(_ rest: String, url: String) throws(RedisError) -> RedisConfiguration {
        let example = "write it like redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/0"
        let parts = try split(rest, url: url)
        guard !parts.authority.isEmpty else {
            throw .invalidURL(url, reason: "it names no sentinel; \(example)")
        }
        var sentinels: [SentinelConfiguration.Address] = []
        for entry in parts.authority.split(separator: ",", omittingEmptySubsequences: false) {
            guard !entry.isEmpty else {
                throw .invalidURL(url, reason: "the sentinel list '\(parts.authority)' has an empty entry; separate host:port pairs by single commas")
            }
            let (host, port) = try parseHostAndPort(entry, defaultPort: SentinelConfiguration.defaultPort, url: url)
            sentinels.append(SentinelConfiguration.Address(host: host, port: port))
        }
        let segments = parts.path.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = segments.first, !first.isEmpty else {
            throw .invalidURL(url, reason: "it names no master after the sentinels: the name from 'sentinel monitor NAME host port quorum' goes after the first '/'; \(example)")
        }
        guard segments.count <= 2 else {
            throw .invalidURL(url, reason: "'\(parts.path)' has too many '/' parts: only /MASTERNAME or /MASTERNAME/DB may follow the sentinels")
        }
        let masterName = try decode(first, url: url)
        guard !masterName.contains(where: \.isWhitespace) else {
            throw .invalidURL(url, reason: "the master name '\(masterName)' contains a space, which Sentinel does not allow")
        }
        let database = try parseDatabase(segments.count == 2 ? segments[1] : "", url: url)
        var configuration = RedisConfiguration(
            endpoint: .sentinel(SentinelConfiguration(masterName: masterName, sentinels: sentinels)),
            username: parts.username, password: parts.password, database: database
        )
        try applyQuery(parts.query, to: &configuration, url: url)
        return configuration
    }

    private static func parseDatabase(_ text: Substring, url: String) throws(RedisError) -> Int {
        guard !text.isEmpty else { return 0 }
        guard let number = Int(text), number >= 0 else {
            throw .invalidURL(url, reason: "the database '\(text)' after the last '/' must be a number such as 0")
        }
        return number
    }

    private static func parseHostAndPort(_ authority: Substring, defaultPort: Int, url: String) throws(RedisError) -> (String, Int) {
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
        var port = defaultPort
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
            case "wait_replicas":
                guard let number = Int(value), number >= 0 else {
                    throw .invalidURL(url, reason: "wait_replicas='\(value)' must be a number of replicas such as 1")
                }
                configuration.replicasToAcknowledge = number
            case "wait_timeout":
                guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
                    throw .invalidURL(url, reason: "wait_timeout='\(value)' must be seconds from more than 0 to 3600, such as 1 or 0.5")
                }
                configuration.replicaAcknowledgementTimeout = seconds
            case "sentinel_password", "sentinel_user", "sentinel_username":
                guard case .sentinel(var sentinel) = configuration.endpoint else {
                    throw .invalidURL(url, reason: "the query parameter '\(name)' applies only to redis+sentinel:// URLs")
                }
                if name == "sentinel_password" {
                    sentinel.password = value.isEmpty ? nil : value
                } else {
                    sentinel.username = value.isEmpty ? nil : value
                }
                configuration.endpoint = .sentinel(sentinel)
            case "cacert", "cert", "key", "insecure":
                guard var tls = configuration.tls else {
                    let reason = if case .sentinel = configuration.endpoint {
                        "the query parameter '\(name)' is a TLS setting, and TLS through Sentinel is not supported yet"
                    } else {
                        "the query parameter '\(name)' is a TLS setting; use it with rediss://"
                    }
                    throw .invalidURL(url, reason: reason)
                }
                try applyTLSParameter(String(name), value: value, to: &tls, url: url)
                configuration.tls = tls
            default:
                let known = if case .sentinel = configuration.endpoint {
                    "db, password, user, sentinel_password, sentinel_user, wait_replicas or wait_timeout"
                } else if configuration.tls == nil {
                    "db, password, user, wait_replicas or wait_timeout"
                } else {
                    "db, password, user, wait_replicas, wait_timeout, cacert, cert, key or insecure"
                }
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
