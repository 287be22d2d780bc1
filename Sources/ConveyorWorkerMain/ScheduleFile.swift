import Conveyor
import Foundation
import Yams

/// A schedule file for `--schedule FILE`, in the shape of sidekiq-cron's `config/schedule.yml` with
/// sidekiq-scheduler's `every`:
///
/// ```yaml
/// nightly_report: { cron: "0 3 * * *", class: Report, args: [1], queue: default, timezone: Europe/Berlin }
/// heartbeat:      { every: 30s, class: Ping, catch_up: true, description: "liveness ping" }
/// ```
///
/// Every entry is checked when the worker starts; the first bad one is refused with its line number
/// and the reason, and the worker does not start.
enum ScheduleFile {
    /// A schedule entry that cannot be used, with the line it starts on (1-based, as Yams counts).
    struct LineError: Error, CustomStringConvertible {
        let path: String
        let line: Int
        let reason: String
        var description: String { "\(path), line \(line): \(reason)" }
    }

    static let keys: Set<String> = ["cron", "every", "class", "args", "queue", "timezone", "catch_up", "description"]

    /// Reads and checks a schedule file.
    static func read(path: String) throws -> [PeriodicJob] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LineError(path: path, line: 0, reason: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        return try parse(text, path: path)
    }

    /// Parses and checks schedule YAML.
    static func parse(_ text: String, path: String) throws -> [PeriodicJob] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw LineError(path: path, line: line(of: error), reason: "not valid YAML: \(error)")
        }
        guard let root else { return [] }
        guard let mapping = root.mapping else {
            throw LineError(path: path, line: root.mark?.line ?? 0, reason: "the file must be a map of entry name to its settings, e.g. `heartbeat: { every: 30s, class: Ping }`")
        }
        var jobs: [PeriodicJob] = []
        for (nameNode, settings) in mapping {
            let line = nameNode.mark?.line ?? 0
            func fail(_ reason: String) -> LineError { LineError(path: path, line: line, reason: "entry '\(nameNode.string ?? "?")': \(reason)") }
            guard let name = nameNode.string, !name.isEmpty else { throw LineError(path: path, line: line, reason: "an entry needs a name as its key") }
            guard let fields = settings.mapping else { throw fail("its settings must be a map, e.g. { cron: \"0 3 * * *\", class: Report }") }
            var values: [String: Node] = [:]
            for (key, value) in fields {
                guard let key = key.string, Self.keys.contains(key) else {
                    throw fail("unknown setting '\(key.string ?? "?")'; the settings are \(Self.keys.sorted().joined(separator: ", "))")
                }
                values[key] = value
            }
            guard let className = values["class"]?.string, !className.isEmpty else { throw fail("'class' is missing: the job class to push") }
            let queue = values["queue"]?.string ?? Job.defaultQueue
            do {
                try QueueName.check(queue)
            } catch {
                throw fail("queue: \(error)")
            }
            var args: [JSONValue] = []
            if let argsNode = values["args"] {
                guard case .sequence = argsNode, let parsed = json(argsNode)?.arrayValue else { throw fail("'args' must be a list, e.g. [1, \"x\"]") }
                args = parsed
            }
            var catchUp = false
            if let node = values["catch_up"] {
                guard let flag = node.bool else { throw fail("'catch_up' must be true or false") }
                catchUp = flag
            }
            let description = values["description"]?.string
            switch (values["cron"]?.string, values["every"]?.string) {
            case (let cron?, nil):
                do {
                    jobs.append(try PeriodicJob(name: name, cron: cron, timeZone: values["timezone"]?.string ?? "UTC", className: className, args: args, queue: queue, catchUp: catchUp, description: description))
                } catch let error as CronExpressionError {
                    throw fail(error.description)
                } catch let error as PeriodicJobError {
                    throw fail(error.reason)
                }
            case (nil, let every?):
                guard values["timezone"] == nil else { throw fail("'timezone' applies to 'cron' only") }
                guard let seconds = interval(every), seconds >= 1 else {
                    throw fail("'every' must be a duration of at least 1 second: a number and s, m, h or d, e.g. 30s, 5m, 1h")
                }
                jobs.append(PeriodicJob(name: name, every: .seconds(seconds), className: className, args: args, queue: queue, catchUp: catchUp, description: description))
            case (nil, nil):
                throw fail("give 'cron' (e.g. \"0 3 * * *\") or 'every' (e.g. 30s)")
            case (_?, _?):
                throw fail("give either 'cron' or 'every', not both")
            }
        }
        return jobs
    }

    /// `30s`, `5m`, `1.5h`, `1d` or a bare number of seconds.
    static func interval(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let last = trimmed.last, let unit = units[last], let number = Double(trimmed.dropLast()), number.isFinite { return number * unit }
        if let number = Double(trimmed), number.isFinite { return number }
        return nil
    }

    /// A YAML node as JSON: scalars as numbers, Booleans, null or strings, by YAML's own rules.
    static func json(_ node: Node) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let int = node.int { return .number(JSONNumber(int)) }
                if let double = node.float, double.isFinite { return .number(JSONNumber(double)) }
                if let bool = node.bool { return .bool(bool) }
                if node.null != nil { return .null }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            for element in sequence {
                guard let value = json(element) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard let key = key.string, let value = json(value) else { return nil }
                object[key] = value
            }
            return .object(object)
        case .alias:
            return nil
        }
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return 0
        }
    }
}
