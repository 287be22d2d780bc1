import Conveyor

/// A typed job: its fields are the job's args, encoded as one JSON object.
struct SendWelcomeEmail: JobParameters {
    static let jobName = "SendWelcomeEmail"
    let userID: Int
    let address: String
}
