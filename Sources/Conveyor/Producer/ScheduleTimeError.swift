/// A job was scheduled for a time that is not a number of epoch seconds.
public struct ScheduleTimeError: Error, Sendable, CustomStringConvertible {
    /// The refused time.
    public let time: Double

    public var description: String {
        "Cannot schedule a job at \(time): the time must be a finite number of epoch seconds, e.g. WallClock.now() + 3600."
    }
}
