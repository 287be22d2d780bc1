// A user's own worker: a typed job, its handler, a producer and a worker in one executable.
// Run: swift run example-worker   (uses REDIS_URL, else redis://127.0.0.1:6379/0)
import Conveyor
import ConveyorRedis

struct SendWelcomeEmail: JobParameters {
    static let jobName = "SendWelcomeEmail"
    let userID: Int
    let address: String
}

let backend = try await RedisBackend.connect()
var registry = JobRegistry()
registry.register(SendWelcomeEmail.self) { job, context in
    context.logger.info("Sending a welcome email to \(job.address) for user \(job.userID)")
    try await Task.sleep(for: .milliseconds(10))  // awaits resume on the worker's loop thread
}
try await Producer(backend: backend).push(SendWelcomeEmail(userID: 42, address: "ada@example.com"))
let worker = Worker(backend: backend, registry: registry)
try await worker.runUntilIdle()  // a real service calls run() and stop() on SIGTERM
