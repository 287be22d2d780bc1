// The example worker's jobs: one typed, one untyped (shown in the README's "Your own worker").
import Conveyor

struct SendWelcomeEmail: JobParameters {
    static let jobName = "SendWelcomeEmail"
    let userID: Int
    let address: String
}

extension JobRegistry {
    static var exampleJobs: JobRegistry {
        var registry = JobRegistry()
        registry.register(SendWelcomeEmail.self) { job, context in
            // Job data is escaped: a newline in it would forge a log line.
            context.logger.info("Sending a welcome email to \(LogText.escaped(job.address)) for user \(job.userID)")
            try await Task.sleep(for: .milliseconds(10))  // awaits resume on the worker's loop thread
        }
        registry.register(className: "Ping") { args, context in
            context.logger.info("Ping \(LogText.escaped(JSONValue.array(args).jsonString))")
        }
        return registry
    }
}
