import RedisClient
import Testing

@Suite("Empty passwords in Redis URLs")
struct EmptyPasswordTests {
    @Test("an empty password means no AUTH, as redis-cli reads it", arguments: [
        "redis://:@127.0.0.1:6379/0", "redis://@127.0.0.1", "redis://user:@127.0.0.1", "redis://127.0.0.1?password=", "unix:///tmp/r.sock?password=",
    ])
    func emptyPassword(url: String) throws {
        #expect(try RedisConfiguration(url: url).password == nil)
    }

    @Test("a password is kept")
    func password() throws {
        #expect(try RedisConfiguration(url: "redis://:s3cret@127.0.0.1").password == "s3cret")
        #expect(try RedisConfiguration(url: "redis://127.0.0.1?password=x").password == "x")
    }
}
