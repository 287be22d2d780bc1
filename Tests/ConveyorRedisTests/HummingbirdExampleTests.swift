import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Issue 9: the README's Hummingbird app, run as a real process: a route pushes a typed job, the worker
/// in the app's ServiceGroup runs it, and SIGTERM stops both cleanly.
@Suite("The Hummingbird example app", .serialized)
struct HummingbirdExampleTests {
    @Test("a POST pushes a job that the app's own worker runs; SIGTERM stops the server and the worker, exit 0")
    func postRunsJobThenSigtermStopsCleanly() async throws {
        let context = try await RedisTestContext("hummingbird")
        let port = try FreePort.find()
        let app = try ChildProcess(CommandLine.path("hummingbird-example"), [], environment: [
            "REDIS_URL": context.server.url, "PORT": "\(port)", "CONVEYOR_NAMESPACE": context.namespace,
        ])
        let base = "http://127.0.0.1:\(port)"
        try await waitUntil(timeout: 30, "the app answers /health") {
            guard app.isRunning else { throw TestKitError("the app exited early: \(await app.finish().errors)") }
            return (try? await Self.request("GET", base + "/health"))?.status == 200
        }
        let health = try await Self.request("GET", base + "/health")
        #expect(health.body == "worker running\n")

        let pushed = try await Self.request("POST", base + "/users/42/welcome", body: #"{"address":"ada@example.com"}"#)
        #expect(pushed.status == 202, "\(pushed.body)")
        let jid = try #require(try? JSONValue.parse(Array(pushed.body.utf8)).objectValue?["jid"]?.stringValue)
        #expect(jid.count == 24)
        let welcomed = context.namespace + ":example:welcomed"
        try await waitUntil(timeout: 20, "the job ran") { try await context.integer("SISMEMBER", welcomed, "42") == 1 }

        let refused = try await Self.request("POST", base + "/users/x/welcome", body: #"{"address":"a@b"}"#)
        #expect(refused.status == 400, "a bad user id is the client's error: \(refused.status)")

        app.signal(SIGTERM)
        let finished = await app.finish()
        #expect(finished.status == 0, "\(finished.errors)")
        #expect(finished.errors.contains("Worker stopped."), "the worker shut down through the service group: \(finished.errors)")
        let statistics = try await context.backend.statistics()
        #expect(statistics.processed == 1 && statistics.failed == 0 && statistics.enqueued == 0 && statistics.inProgress == 0)
        #expect(try await context.integer("SCARD", context.keys.processes) == 0, "the worker removed its heartbeat")
        try await context.finish()
    }

    private static func request(_ method: String, _ url: String, body: String? = nil) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        request.timeoutInterval = 5
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
