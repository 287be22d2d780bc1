import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Testing

@Suite("Backend conformance: Redis")
struct RedisConformanceTests {
    @Test(arguments: BackendConformance.checks)
    func conformance(check: BackendConformance.Check) async throws {
        try await RedisTestServer.shared().makeClient().closing { client throws in
            let namespace = RedisTestServer.uniqueNamespace("conformance")
            try await check.run(RedisBackend(client: client, namespace: namespace))
            try await deleteNamespace(namespace, client: client)
        }
    }
}
