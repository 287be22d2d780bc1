import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Testing

@Suite("Backend conformance: Redis")
struct RedisConformanceTests {
    @Test(arguments: BackendConformance.checks)
    func conformance(check: BackendConformance.Check) async throws {
        let client = try RedisTestServer.shared().makeClient()
        defer { client.close() }
        let namespace = RedisTestServer.uniqueNamespace("conformance")
        try await check.run(RedisBackend(client: client, namespace: namespace))
        try await deleteNamespace(namespace, client: client)
    }
}
