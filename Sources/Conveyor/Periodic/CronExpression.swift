import Foundation

/// A cron expression: five fields (minute hour day-of-month month day-of-week), or six with seconds
/// first, or a name (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`).
/// Fields take `*`, numbers, ranges `1-5`, lists `1,15`, steps `*/10` and `8-18/2`, month names
/// `JAN`–`DEC` and day names `SUN`–`SAT` (0 and 7 are Sunday). When both day fields are restricted a
/// day matches either, as in Vixie cron.
///
/// Ticks are wall-clock times in a time zone: on a spring-forward day a time that does not exist
/// (02:30 in Europe/Berlin on the last Sunday of March) runs once, at the moment the clock jumps to
/// (03:30); on a fall-back day a time that occurs twice runs once, at its first occurrence.
public struct CronExpression: Sendable, Equatable {
    /// The expression as written.
    public let text: String
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let isDayOfMonthRestricted: Bool
    let isDayOfWeekRestricted: Bool

    static let names: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses an expression; throws ``CronExpressionError`` saying which field is wrong and why.
    public init(_ text: String) throws(CronExpressionError) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let named = Self.names[trimmed.lowercased()] else {
                throw CronExpressionError(expression: text, reason: "unknown name \(trimmed); use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")
            }
            expanded = named
        }
        var fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw CronExpressionError(expression: text, reason: "it has \(fields.count) fields; cron needs 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)")
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        seconds = try Self.parse(fields[0], name: "seconds", range: 0...59, expression: text)
        minutes = try Self.parse(fields[1], name: "minute", range: 0...59, expression: text)
        hours = try Self.parse(fields[2], name: "hour", range: 0...23, expression: text)
        daysOfMonth = try Self.parse(fields[3], name: "day-of-month", range: 1...31, expression: text)
        months = try Self.parse(fields[4], name: "month", range: 1...12, names: Self.monthNames, nameBase: 1, expression: text)
        let weekdays = try Self.parse(fields[5], name: "day-of-week", range: 0...7, names: Self.dayNames, nameBase: 0, expression: text)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        isDayOfMonthRestricted = !fields[3].hasPrefix("*") && fields[3] != "?"
        isDayOfWeekRestricted = !fields[5].hasPrefix("*") && fields[5] != "?"
    }

    private static func parse(_ field: String, name: String, range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0, expression: String) throws(CronExpressionError) -> Set<Int> {
        func value(_ text: String) throws(CronExpressionError) -> Int {
            if let number = Int(text), range.contains(number) { return number }
            if let index = names.firstIndex(of: text.uppercased()) { return index + nameBase }
            throw CronExpressionError(expression: expression, reason: "\(name) field '\(field)': '\(text)' is not \(names.isEmpty ? "" : "a name or ")a number from \(range.lowerBound) to \(range.upperBound)")
        }
        var result = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw CronExpressionError(expression: expression, reason: "\(name) field '\(field)': '\(part)' is not a value, range or step")
            }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1 else {
                    throw CronExpressionError(expression: expression, reason: "\(name) field '\(field)': the step '\(pieces[1])' must be a whole number of at least 1")
                }
                step = parsed
            }
            var low: Int, high: Int
            if pieces[0] == "*" || pieces[0] == "?" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = pieces[0].firstIndex(of: "-") {
                low = try value(String(pieces[0][..<dash]))
                high = try value(String(pieces[0][pieces[0].index(after: dash)...]))
                guard low <= high else {
                    throw CronExpressionError(expression: expression, reason: "\(name) field '\(field)': the range '\(pieces[0])' runs backwards")
                }
            } else {
                low = try value(pieces[0])
                high = pieces.count == 2 ? range.upperBound : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    /// The first tick strictly after `date`, in `timeZone`; nil if none comes within eight years (a
    /// 30 February, say).
    public func nextTick(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard var day = calendar.date(from: DateComponents(year: start.year, month: start.month, day: start.day, hour: 12)) else { return nil }
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted(), sortedSeconds = seconds.sorted()
        for dayIndex in 0..<(366 * 8) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            defer { day = calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86_400) }
            guard let month = parts.month, months.contains(month), let dayOfMonth = parts.day, let weekday = parts.weekday else { continue }
            let domMatches = daysOfMonth.contains(dayOfMonth), dowMatches = daysOfWeek.contains(weekday - 1)
            let dayMatches = isDayOfMonthRestricted && isDayOfWeekRestricted ? (domMatches || dowMatches) : (domMatches && dowMatches)
            guard dayMatches else { continue }
            let isFirstDay = dayIndex == 0
            for hour in sortedHours where !isFirstDay || hour >= (start.hour ?? 0) {
                for minute in sortedMinutes where !(isFirstDay && hour == start.hour) || minute >= (start.minute ?? 0) {
                    for second in sortedSeconds {
                        let wall = DateComponents(year: parts.year, month: month, day: dayOfMonth, hour: hour, minute: minute, second: second)
                        guard let candidate = calendar.date(from: wall), candidate > date else { continue }
                        return candidate
                    }
                }
            }
        }
        return nil
    }
}

/// A cron expression that cannot be parsed.
public struct CronExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    /// What is wrong with it.
    public let reason: String

    public var description: String { "Invalid cron expression '\(expression)': \(reason)." }
}
