// The dashboard mounted in your own Hummingbird 2 app, under /admin/conveyor, behind a password.
// Run: REDIS_URL=redis://127.0.0.1:6379/0 CONVEYOR_WEB_PASSWORD=s3cret swift run dashboard-example
//      open http://127.0.0.1:8080/admin/conveyor/   (any user name, the password)
import ConveyorRedis
import ConveyorWeb
import Foundation
import Hummingbird

@main struct DashboardApp {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let backend = try await RedisBackend.connect(url: environment["REDIS_URL"])
        let router = Router()
        router.get("health") { _, _ in "ok\n" }
        // Every page and action of `conveyor web`, under the prefix; links and forms stay inside it.
        Dashboard(admin: backend, prefix: "/admin/conveyor", password: environment["CONVEYOR_WEB_PASSWORD"])
            .addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
        try await app.runService()
    }
}
