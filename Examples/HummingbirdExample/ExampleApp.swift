// A Hummingbird 2 app that pushes jobs from a route and runs their worker in its own ServiceGroup.
// Run: REDIS_URL=redis://127.0.0.1:6379/0 PORT=8080 swift run hummingbird-example   (CONVEYOR_NAMESPACE optional)
//      curl -X POST localhost:8080/users/42/welcome -d '{"address":"ada@example.com"}'
import Conveyor
import ConveyorRedis
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

@main struct ExampleApp {
    static func main() async throws {
        let logger = Logger(label: "example-app")
        let environment = ProcessInfo.processInfo.environment
        let backend = try await RedisBackend.connect(url: environment["REDIS_URL"], namespace: environment["CONVEYOR_NAMESPACE"])
        let producer = Producer(backend: backend)
        let worker = Worker(backend: backend, registry: .welcomeJobs(backend: backend), logger: logger)

        let router = Router()
        router.post("users/:id/welcome") { request, context -> Response in
            let userID = try context.parameters.require("id", as: Int.self)
            let body = try await request.decode(as: WelcomeRequest.self, context: context)
            let jid = try await producer.push(SendWelcomeEmail(userID: userID, address: body.address))
            return try Response(status: .accepted, body: .init(byteBuffer: ByteBuffer(string: "{\"jid\":\"\(jid)\"}\n")))
        }
        router.get("health") { _, _ in "worker \(worker.state)\n" }

        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: Int(environment["PORT"] ?? "") ?? 8080)),
            logger: logger
        )
        // Services shut down in reverse order: on SIGTERM the HTTP server stops taking requests first,
        // then the worker drains its running jobs (WorkerConfiguration.shutdownTimeout). A worker that
        // stops by itself (`conveyor stop IDENTITY`) shuts the app down gracefully
        // instead of cancelling the server mid-request; one that fails still fails the app.
        let services = ServiceGroup(configuration: .init(
            services: [
                .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: app),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await services.run()
        await backend.close()   // after the worker's drain, which still needed Redis
    }
}

/// The welcome route's JSON body.
struct WelcomeRequest: Decodable {
    let address: String
}
