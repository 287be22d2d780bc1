// The example app's job: pushed by a route, run by the worker inside the same app.
import Conveyor
import ConveyorRedis

/// Sent when a user signs up.
struct SendWelcomeEmail: JobParameters {
    static let jobName = "SendWelcomeEmail"
    let userID: Int
    let address: String
}

extension JobRegistry {
    /// The app's jobs. The handler records the user in Redis (set `example:welcomed`) so the example's test can
    /// see that the job ran; a real app would send the email here.
    static func welcomeJobs(backend: RedisBackend) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(SendWelcomeEmail.self) { job, context in
            context.logger.info("Sending a welcome email to \(job.address) for user \(job.userID)")
            _ = try await backend.client.send("SADD", backend.keys.prefix + "example:welcomed", "\(job.userID)")
        }
        return registry
    }
}
