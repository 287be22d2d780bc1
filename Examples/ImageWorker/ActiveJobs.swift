// The README's ActiveJob example, compiled with the image worker.
import Conveyor

extension JobRegistry {
    /// ActiveJob jobs from a Rails app: one handler for the wrapper class, dispatching on job_class.
    mutating func registerActiveJobs() {
        register(className: "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper") { args, context in
            guard let activeJob = args.first?.objectValue, let jobClass = activeJob["job_class"]?.stringValue,
                  let arguments = activeJob["arguments"]?.arrayValue else {
                throw JobArgumentsError(jobClass: "JobWrapper", reason: "args[0] must be ActiveJob's job hash")
            }
            switch jobClass {
            case "InvoiceMailerJob": context.logger.info("Mailing invoice \(arguments.first?.intValue ?? 0)")
            default: throw JobArgumentsError(jobClass: jobClass, reason: "no Swift implementation")
            }
        }
    }
}
