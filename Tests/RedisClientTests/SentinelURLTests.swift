@testable import RedisClient
import Testing

/// Parsing of `redis+sentinel://` URLs, their errors, and that no sentinel password is ever shown.
@Suite("Sentinel URLs")
struct SentinelURLTests {
    @Test func parsesSentinelsMasterAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis+sentinel://10.0.0.1:26380,sentinel-2,[::1]:26390/mymaster/3")
        let expected = SentinelConfiguration(masterName: "mymaster", sentinels: [
            .init(host: "10.0.0.1", port: 26380), .init(host: "sentinel-2", port: 26379), .init(host: "::1", port: 26390),
        ])
        #expect(configuration.endpoint == .sentinel(expected))
        #expect(configuration.database == 3)
        #expect(configuration.password == nil)
        #expect(configuration.displayAddress == "redis+sentinel://10.0.0.1:26380,sentinel-2:26379,[::1]:26390/mymaster/3")
    }

    @Test func userInfoIsTheMastersAndQueryGivesTheSentinels() throws {
        let configuration = try RedisConfiguration(url: "REDIS+SENTINEL://app:m%40ster@s1:26379,s2/orders?sentinel_password=s3nt&sentinel_user=watch&db=2")
        #expect(configuration.username == "app")
        #expect(configuration.password == "m@ster")
        #expect(configuration.database == 2)
        guard case .sentinel(let sentinel) = configuration.endpoint else {
            Issue.record("expected a sentinel endpoint, got \(configuration.endpoint)")
            return
        }
        #expect(sentinel.masterName == "orders")
        #expect(sentinel.username == "watch")
        #expect(sentinel.password == "s3nt")
        #expect(sentinel.sentinels.map(\.description) == ["s1:26379", "s2:26379"])
        #expect(sentinel.timeout == 0.5)
    }

    @Test func replicaWaitParameters() throws {
        let configuration = try RedisConfiguration(url: "redis+sentinel://s1/m?wait_replicas=1&wait_timeout=0.25")
        #expect(configuration.replicasToAcknowledge == 1)
        #expect(configuration.replicaAcknowledgementTimeout == 0.25)
        let plain = try RedisConfiguration(url: "redis://h:6379/0?wait_replicas=2")
        #expect(plain.replicasToAcknowledge == 2)
        #expect(plain.replicaAcknowledgementTimeout == 1)
        #expect(try RedisConfiguration(url: "redis://h").replicasToAcknowledge == 0)
    }

    @Test func sentinelErrorsReadAsSentences() {
        let unknown = RedisError.unknownMaster(masterName: "orders", sentinels: "127.0.0.1:26379, 127.0.0.1:26380")
        #expect(unknown.description.contains("No sentinel at 127.0.0.1:26379, 127.0.0.1:26380 monitors a master named 'orders'"))
        #expect(!unknown.isConnectionError)
        let unavailable = RedisError.sentinelsUnavailable(masterName: "orders", failures: "127.0.0.1:26379: Connection refused.")
        #expect(unavailable.description == "No sentinel could say where the Redis master 'orders' is: 127.0.0.1:26379: Connection refused.")
        #expect(unavailable.isConnectionError)
    }
}
