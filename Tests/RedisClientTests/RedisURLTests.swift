import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
@testable import RedisClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Parsing of `redis://` and `unix://` URLs, and that no error message or address ever shows a password.
@Suite("Redis URLs")
struct RedisURLTests {
    /// A password distinctive enough that finding it in a message cannot be a coincidence.
    static let secret = "Sup3rS3cretPw"

    @Test func parsesHostPortAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.example.com:6380/2")
        #expect(configuration.endpoint == .tcp(host: "cache.example.com", port: 6380))
        #expect(configuration.database == 2)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(configuration.displayAddress == "redis://cache.example.com:6380/2")
    }

    @Test(arguments: ["redis://", "redis://127.0.0.1", "redis://127.0.0.1/", "redis://:6379", "redis://127.0.0.1:6379/0", "REDIS://127.0.0.1"])
    func fillsInDefaults(url: String) throws {
        let configuration = try RedisConfiguration(url: url)
        #expect(configuration.endpoint == .tcp(host: "127.0.0.1", port: 6379))
        #expect(configuration.database == 0)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(try configuration == RedisConfiguration(url: RedisConfiguration.defaultURL))
    }

    @Test func defaultTimeouts() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        #expect(configuration.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(configuration.connectTimeout == 5)
        #expect(configuration.commandTimeout == 10)
    }

    @Test func userAndPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:s3cret@10.0.0.5:6390/1")
        #expect(configuration.endpoint == .tcp(host: "10.0.0.5", port: 6390))
        #expect(configuration.username == "alice")
        #expect(configuration.password == "s3cret")
        #expect(configuration.database == 1)
    }

    @Test func passwordWithEmptyUser() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cret@10.0.0.5")
        #expect(configuration.endpoint == .tcp(host: "10.0.0.5", port: 6379))
        #expect(configuration.username == nil)
        #expect(configuration.password == "s3cret")
    }

    @Test func loneUserInfoIsThePassword() throws {
        let configuration = try RedisConfiguration(url: "redis://s3cret@10.0.0.5:6381")
        #expect(configuration.username == nil)
        #expect(configuration.password == "s3cret")
        #expect(configuration.endpoint == .tcp(host: "10.0.0.5", port: 6381))
    }

    @Test func percentEncodedCredentials() throws {
        let configuration = try RedisConfiguration(url: "redis://al%69ce:p%40ss%3Aw%2Frd%25@host:6379/3")
        #expect(configuration.username == "alice")
        #expect(configuration.password == "p@ss:w/rd%")
        #expect(configuration.endpoint == .tcp(host: "host", port: 6379))
        #expect(configuration.database == 3)
    }

    @Test func unencodedAtAndSlashInPasswordStillParse() throws {
        // The last '@' ends the user info, so a raw '@' or '/' in the password is tolerated.
        let configuration = try RedisConfiguration(url: "redis://:p@ss/word@host:6400/5")
        #expect(configuration.password == "p@ss/word")
        #expect(configuration.endpoint == .tcp(host: "host", port: 6400))
        #expect(configuration.database == 5)
    }

    @Test func badPercentEscapeIsRefused() throws {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis://:\(Self.secret)%zz@host") }
        guard case .invalidURL(_, let reason)? = error else {
            Issue.record("expected invalidURL, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("%"))
        #expect(!String(describing: error!).contains(Self.secret))
    }

    @Test func ipv6HostWithPort() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:6380")
        #expect(configuration.endpoint == .tcp(host: "::1", port: 6380))
        #expect(configuration.database == 0)
        #expect(configuration.displayAddress == "redis://[::1]:6380/0")
    }

    @Test func ipv6HostWithoutPortWithCredentials() throws {
        let configuration = try RedisConfiguration(url: "redis://bob:pw@[2001:db8::7]/4")
        #expect(configuration.endpoint == .tcp(host: "2001:db8::7", port: 6379))
        #expect(configuration.username == "bob")
        #expect(configuration.password == "pw")
        #expect(configuration.database == 4)
        #expect(configuration.displayAddress == "redis://[2001:db8::7]:6379/4")
    }

    @Test func unixSocketWithQuery() throws {
        let configuration = try RedisConfiguration(url: "unix:///tmp/r.sock?db=3&password=x")
        #expect(configuration.endpoint == .unixSocket(path: "/tmp/r.sock"))
        #expect(configuration.database == 3)
        #expect(configuration.password == "x")
        #expect(configuration.username == nil)
        #expect(configuration.displayAddress == "unix:///tmp/r.sock?db=3")
    }

    @Test func unixSocketDefaultsAndUser() throws {
        let plain = try RedisConfiguration(url: "unix:///run/redis/redis.sock")
        #expect(plain.endpoint == .unixSocket(path: "/run/redis/redis.sock"))
        #expect(plain.database == 0)
        #expect(plain.password == nil)

        let withUser = try RedisConfiguration(url: "unix:///tmp/my%20redis.sock?user=alice&password=\(Self.secret)")
        #expect(withUser.endpoint == .unixSocket(path: "/tmp/my redis.sock"))
        #expect(withUser.username == "alice")
        #expect(withUser.password == Self.secret)
        #expect(!withUser.displayAddress.contains(Self.secret))
    }

    @Test func tcpQueryParameters() throws {
        let configuration = try RedisConfiguration(url: "redis://host:7000?db=6&username=carol&password=pw")
        #expect(configuration.endpoint == .tcp(host: "host", port: 7000))
        #expect(configuration.database == 6)
        #expect(configuration.username == "carol")
        #expect(configuration.password == "pw")
    }

    @Test func tlsURLs() throws {
        let plain = try RedisConfiguration(url: "rediss://:\(Self.secret)@cache.example.com:6380/2")
        #expect(plain.endpoint == .tcp(host: "cache.example.com", port: 6380))
        #expect(plain.tls == RedisTLSConfiguration())
        #expect(plain.tls?.verifiesServer == true, "verification is on unless asked off")
        #expect(plain.password == Self.secret && plain.database == 2)
        #expect(plain.displayAddress == "rediss://cache.example.com:6380/2")
        let full = try RedisConfiguration(url: "REDISS://alice:pw@10.0.0.5:6380/0?cacert=/etc/ca.crt&cert=/etc/c.crt&key=%2Fetc%2Fc.key&insecure=true")
        #expect(full.tls == RedisTLSConfiguration(caCertificatePath: "/etc/ca.crt", certificatePath: "/etc/c.crt", privateKeyPath: "/etc/c.key", verifiesServer: false))
        #expect(full.username == "alice")
        #expect(try RedisConfiguration(url: "rediss://h?insecure").tls?.verifiesServer == false)
        #expect(try RedisConfiguration(url: "rediss://h?insecure=false").tls?.verifiesServer == true)
        #expect(try RedisConfiguration(url: "redis://h:6379/0").tls == nil)
    }

    @Test(arguments: [
        ("redis://h:6379/0?cacert=/ca.crt", "use it with rediss://"),
        ("unix:///tmp/r.sock?insecure=true", "use it with rediss://"),
        ("rediss://h?insecure=maybe", "must be true or false"),
        ("rediss://h?cacert=", "needs a file path"),
        ("rediss://h?tls=1", "cacert, cert, key or insecure"),
    ])
    func badTLSParameters(url: String, reasonMentions: String) throws {
        let error = try #require(#expect(throws: RedisError.self) { try RedisConfiguration(url: url) })
        #expect(String(describing: error).contains(reasonMentions), "\(error)")
    }

    /// Invalid URLs and a fragment their reason must contain to be actionable.
    static let invalidURLs: [(url: String, reasonMentions: String)] = [
        ("redis://host:abc/0", "port 'abc'"),
        ("redis://host:0", "port '0'"),
        ("redis://host:65536", "1 to 65535"),
        ("redis://host:-1", "port '-1'"),
        ("redis://host:", "port"),
        ("redis://host:6379/abc", "database 'abc'"),
        ("redis://host:6379/-1", "database '-1'"),
        ("redis://host:6379/1/2", "database"),
        ("unix:///tmp/r.sock?db=x", "db='x'"),
        ("http://host:6379", "scheme 'http'"),
        ("ftp://host", "redis://"),
        ("127.0.0.1:6379", "no scheme"),
        ("localhost", "no scheme"),
        ("redis://host?timeout=5", "'timeout'"),
        ("unix:///tmp/r.sock?db=1&foo=bar", "'foo'"),
        ("unix://relative/redis.sock", "absolute"),
        ("redis://[::1", "']'"),
        ("redis://[::1]x", "after the IPv6 address"),
        ("redis+sentinel://", "names no sentinel"),
        ("redis+sentinel:///mymaster", "names no sentinel"),
        ("redis+sentinel://s1:26379", "names no master"),
        ("redis+sentinel://s1:26379/", "names no master"),
        ("redis+sentinel://s1:26379//0", "names no master"),
        ("redis+sentinel://s1,,s2/m", "empty entry"),
        ("redis+sentinel://s1,/m", "empty entry"),
        ("redis+sentinel://s1:x/m", "port 'x'"),
        ("redis+sentinel://s1:70000/m", "1 to 65535"),
        ("redis+sentinel://s1/m/x", "database 'x'"),
        ("redis+sentinel://s1/m/0/1", "too many '/'"),
        ("redis+sentinel://s1/my%20master", "space"),
        ("redis+sentinel://s1/m?sentinel_pass=x", "sentinel_password"),
        ("redis+sentinel://s1/m?wait_replicas=-1", "wait_replicas='-1'"),
        ("redis+sentinel://s1/m?wait_timeout=0", "wait_timeout='0'"),
        ("redis://h/0?sentinel_password=x", "only to redis+sentinel://"),
        ("sentinel://s1/m", "redis+sentinel://"),
    ]

    @Test(arguments: invalidURLs)
    func invalidURLsHaveAReason(url: String, reasonMentions: String) throws {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        guard case .invalidURL(let shownURL, let reason)? = error else {
            Issue.record("expected invalidURL for \(url), got \(String(describing: error))")
            return
        }
        #expect(shownURL == url)
        #expect(reason.contains(reasonMentions), "reason: \(reason)")
        let text = String(describing: error!)
        #expect(text.contains("is not valid"))
        #expect(text.contains(reason))
        #expect(!error!.isConnectionError)
    }

    /// Invalid URLs whose password sits in the user info: the message must show `***` instead.
    @Test(arguments: [
        "redis://alice:\(secret)@host:notaport/0",
        "redis://:\(secret)@host/notadb",
        "redis://\(secret)@host:99999",
        "http://:\(secret)@host",
        "redis://:\(secret)@[::1",
        "redis://alice:\(secret)@host:6379/0?bogus=1",
        "redis://:p@\(secret)@host:x",
        "redis+sentinel://:\(secret)@s1/m/x",
    ])
    func errorDescriptionsNeverShowTheUserInfoPassword(url: String) throws {
        let error = try #require(#expect(throws: RedisError.self) { try RedisConfiguration(url: url) })
        #expect(!String(describing: error).contains(Self.secret))
        #expect(!"\(error)".contains(Self.secret))
        #expect(String(describing: error).contains("***"))
    }

    /// A password given as `?password=` (the only way to give one in a unix:// URL) is hidden too when
    /// the URL is invalid.
    @Test(arguments: [
        "unix:///tmp/r.sock?password=\(secret)&db=x",
        "unix:///tmp/r.sock?password=\(secret)&bogus=1",
        "redis://host:6379/0?password=\(secret)&bogus=1",
        "rediss://host:6380/0?password=\(secret)&cacert=",
        "redis+sentinel://s1/m/x?sentinel_password=\(secret)",
        "redis+sentinel://s1/m?password=\(secret)&bogus=1",
    ])
    func errorDescriptionsNeverShowTheQueryPassword(url: String) throws {
        let error = try #require(#expect(throws: RedisError.self) { try RedisConfiguration(url: url) })
        #expect(!String(describing: error).contains(Self.secret))
    }

    /// A raw '?' in a password belongs to the password: user info is split off before the query.
    @Test func rawQuestionMarkInPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:Sup3r?S3cretPw@host:6379/0")
        #expect(configuration.password == "Sup3r?S3cretPw")
        #expect(configuration.endpoint == .tcp(host: "host", port: 6379))
    }

    @Test func redactionOfUserInfo() {
        #expect(RedisError.redacted("redis://alice:pw@host:6379/0") == "redis://alice:***@host:6379/0")
        #expect(RedisError.redacted("redis://:pw@host") == "redis://:***@host")
        #expect(RedisError.redacted("redis://pw@host") == "redis://***@host")
        #expect(RedisError.redacted("redis://:p@ss@host") == "redis://:***@host")
        #expect(RedisError.redacted("redis://host:6379/0") == "redis://host:6379/0")
        #expect(RedisError.redacted("no scheme at all") == "no scheme at all")
    }

    @Test(arguments: [
        "redis://alice:\(secret)@host:6379/0",
        "redis://:\(secret)@[::1]:6380/2",
        "redis://\(secret)@host",
        "unix:///tmp/r.sock?db=3&password=\(secret)",
        "unix:///tmp/r.sock?user=alice&password=\(secret)",
    ])
    func displayAddressHasNoCredentials(url: String) throws {
        let configuration = try RedisConfiguration(url: url)
        #expect(configuration.password == Self.secret)
        #expect(!configuration.displayAddress.contains(Self.secret))
        #expect(!configuration.displayAddress.contains("alice"))
        #expect(!configuration.displayAddress.contains("@"))
    }

    @Test func displayAddressRoundTrips() throws {
        for url in ["redis://10.1.2.3:6390/7", "redis://[fe80::1]:6379/0", "unix:///var/run/redis.sock?db=2"] {
            let configuration = try RedisConfiguration(url: url)
            #expect(configuration.displayAddress == url)
            #expect(try RedisConfiguration(url: configuration.displayAddress) == configuration)
        }
    }

    /// `fromEnvironment` reads `REDIS_URL`. Other suites in this process read it too, so when it is unset
    /// the test only ever sets it to the URL the shared test server already uses (after starting it),
    /// or to the empty string, which means unset.
    @Test func fromEnvironment() async throws {
        if let existing = ProcessInfo.processInfo.environment["REDIS_URL"], !existing.isEmpty {
            #expect(try RedisConfiguration.fromEnvironment() == RedisConfiguration(url: existing))
            return
        }
        let sharedURL = try await RedisTestServer.shared().url
        defer { unsetenv("REDIS_URL") }
        setenv("REDIS_URL", sharedURL, 1)
        #expect(try RedisConfiguration.fromEnvironment() == RedisConfiguration(url: sharedURL))
        setenv("REDIS_URL", "", 1)
        #expect(try RedisConfiguration.fromEnvironment() == RedisConfiguration(url: RedisConfiguration.defaultURL))
        unsetenv("REDIS_URL")
        let fallback = try RedisConfiguration.fromEnvironment()
        #expect(fallback.endpoint == .tcp(host: "127.0.0.1", port: 6379))
        #expect(fallback.database == 0)
    }
}
