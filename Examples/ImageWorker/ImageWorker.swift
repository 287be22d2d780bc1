// The README's Sidekiq interoperability example: a Swift worker for jobs a Ruby app pushes.
import Conveyor
import ConveyorWorkerMain

struct ResizeImage: JobParameters {           // one hash argument, decoded with Codable
    static let jobName = "ResizeImage"         // the Ruby class name
    static let queue = "images"
    let imageID: Int
    let width: Int
    enum CodingKeys: String, CodingKey { case imageID = "image_id", width }
}

extension JobRegistry {
    static var imageJobs: JobRegistry {
        var registry = JobRegistry()
        registry.register(ResizeImage.self) { job, context in
            context.logger.info("Resizing image \(job.imageID) to \(job.width) px")
        }
        // Positional Ruby arguments (perform(user_id, "text")) need no type:
        registry.register(className: "NotifyUser") { args, context in
            guard let userID = args.first?.intValue else { throw JobArgumentsError(jobClass: "NotifyUser", reason: "args must be [user_id, text]") }
            context.logger.info("Notifying user \(userID)")
        }
        registry.registerActiveJobs()  // see ActiveJob below
        return registry
    }
}

// image-worker --queue images --concurrency 20     (REDIS_URL, signals and exit codes as conveyor-worker)
@main struct ImageWorker { static func main() async { await WorkerMain.run(registry: .imageJobs) } }
