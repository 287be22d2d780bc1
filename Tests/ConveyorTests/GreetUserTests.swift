// The README's unit-testing example, compiled and run with the other tests.
import Conveyor
import Testing

struct GreetUser: JobParameters {
    static let jobName = "GreetUser"
    let userID: Int
}

@Test func greetsTheUser() async throws {
    let backend = InMemoryBackend()
    var registry = JobRegistry()
    registry.register(GreetUser.self) { job, context in context.logger.info("Hello, user \(job.userID)") }
    try await Producer(backend: backend).push(GreetUser(userID: 7))
    try await Worker(backend: backend, registry: registry).runUntilIdle()
    #expect(backend.statisticsSnapshot.processed == 1)
    #expect(backend.jobs(in: .retry).isEmpty)
}
