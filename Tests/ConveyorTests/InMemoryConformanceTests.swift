import Conveyor
import ConveyorTestKit
import Testing

@Suite("Backend conformance: in-memory")
struct InMemoryConformanceTests {
    @Test(arguments: BackendConformance.checks)
    func conformance(check: BackendConformance.Check) async throws {
        try await check.run(InMemoryBackend())
    }
}
