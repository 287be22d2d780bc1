import Foundation

/// A job pushed on a schedule: by a cron expression in a time zone, or every fixed interval. However
/// many workers run the schedule, each tick is pushed exactly once: ticks are fixed slots of wall
/// time (not timers started at boot), and each is claimed atomically by name and tick time.
///
/// ```swift
/// var configuration = WorkerConfiguration(queues: ["default"])
/// configuration.periodicJobs = [
///     try PeriodicJob(name: "nightly_report", cron: "0 3 * * *", timeZone: "Europe/Berlin", className: "Report", args: [1]),
///     PeriodicJob(name: "heartbeat", every: .seconds(30), className: "Ping"),
/// ]
/// ```
public struct PeriodicJob: Sendable, Equatable {
    /// How ticks are placed in time.
    public enum Rule: Sendable, Equatable {
        /// Wall-clock times of a cron expression in a time zone.
        case cron(CronExpression, TimeZone)
        /// Every interval, on slots counted from the Unix epoch (so `every 30s` ticks at :00 and :30).
        case every(Duration)
    }

    /// The schedule entry's name: the key of its tick claims.
    public let name: String
    /// When it ticks.
    public let rule: Rule
    /// The job class pushed at each tick.
    public let className: String
    /// The job's args.
    public let args: [JSONValue]
    /// The queue it is pushed to.
    public let queue: String
    /// After every worker was down over a tick: true runs the latest missed tick once, false skips it.
    public let catchUp: Bool
    /// What the entry is for, shown by `conveyor cron list`.
    public let description: String?

    /// A cron entry; throws when the expression or the time zone is invalid.
    public init(name: String, cron: String, timeZone: String = "UTC", className: String, args: [JSONValue] = [], queue: String = Job.defaultQueue, catchUp: Bool = false, description: String? = nil) throws {
        let expression = try CronExpression(cron)
        guard let zone = TimeZone(identifier: timeZone) else { throw PeriodicJobError(name: name, reason: "unknown time zone '\(timeZone)'; use an IANA name such as Europe/Berlin or UTC") }
        self.init(name: name, rule: .cron(expression, zone), className: className, args: args, queue: queue, catchUp: catchUp, description: description)
    }

    /// An interval entry.
    public init(name: String, every interval: Duration, className: String, args: [JSONValue] = [], queue: String = Job.defaultQueue, catchUp: Bool = false, description: String? = nil) {
        self.init(name: name, rule: .every(interval), className: className, args: args, queue: queue, catchUp: catchUp, description: description)
    }

    /// An entry from its parts.
    public init(name: String, rule: Rule, className: String, args: [JSONValue], queue: String, catchUp: Bool, description: String?) {
        self.name = name
        self.rule = rule
        self.className = className
        self.args = args
        self.queue = queue
        self.catchUp = catchUp
        self.description = description
    }

    /// The first tick strictly after `date`.
    public func nextTick(after date: Date) -> Date? {
        switch rule {
        case .cron(let expression, let zone):
            return expression.nextTick(after: date, in: zone)
        case .every(let interval):
            let seconds = max(1, interval.inSeconds)
            return Date(timeIntervalSince1970: ((date.timeIntervalSince1970 / seconds).rounded(.down) + 1) * seconds)
        }
    }

    /// The rule as a person reads it: `cron 0 3 * * * (Europe/Berlin)` or `every 30s`.
    public var ruleText: String {
        switch rule {
        case .cron(let expression, let zone): "cron \(expression.text) (\(zone.identifier))"
        case .every(let interval): "every \(PeriodicJob.durationText(interval))"
        }
    }

    static func durationText(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// The job pushed for one tick: a fresh jid each time, and the tick in `periodic_tick`.
    public func job(for tick: Date) -> Job {
        var job = Job(className: className, args: args, queue: queue)
        job.fields["periodic"] = .string(name)
        job.fields["periodic_tick"] = .number(JSONNumber(Int(tick.timeIntervalSince1970)))
        return job
    }

    /// The entry as JSON, published to the backend for `conveyor cron list`.
    public var summaryJSON: JSONValue {
        var object: JSONObject = ["class": .string(className), "queue": .string(queue), "catch_up": .bool(catchUp)]
        switch rule {
        case .cron(let expression, let zone):
            object["cron"] = .string(expression.text)
            object["timezone"] = .string(zone.identifier)
        case .every(let interval):
            object["every"] = .number(JSONNumber(interval.inSeconds))
        }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    /// Rebuilds an entry from ``summaryJSON``; nil when the JSON is not one.
    public init?(name: String, summary: JSONValue) {
        guard let object = summary.objectValue, let className = object["class"]?.stringValue else { return nil }
        let queue = object["queue"]?.stringValue ?? Job.defaultQueue
        let catchUp = object["catch_up"]?.boolValue ?? false
        let description = object["description"]?.stringValue
        if let cron = object["cron"]?.stringValue {
            guard let entry = try? PeriodicJob(name: name, cron: cron, timeZone: object["timezone"]?.stringValue ?? "UTC", className: className, queue: queue, catchUp: catchUp, description: description) else { return nil }
            self = entry
        } else if let every = object["every"]?.doubleValue, every >= 1 {
            self.init(name: name, every: .seconds(every), className: className, queue: queue, catchUp: catchUp, description: description)
        } else {
            return nil
        }
    }
}

/// A schedule entry that cannot be used.
public struct PeriodicJobError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry's name.
    public let name: String
    /// What is wrong.
    public let reason: String

    public var description: String { "Schedule entry '\(name)': \(reason)." }
}
