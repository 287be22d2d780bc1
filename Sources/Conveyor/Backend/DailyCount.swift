/// One day's `stat:processed:YYYY-MM-DD` and `stat:failed:YYYY-MM-DD` counters, for a dashboard's
/// history chart.
public struct DailyCount: Sendable, Equatable {
    /// The day, `YYYY-MM-DD` in UTC, as Sidekiq names its daily counters.
    public let day: String
    /// Jobs run that day.
    public let processed: Int
    /// Jobs that failed that day.
    public let failed: Int

    /// Creates a day's counts.
    public init(day: String, processed: Int, failed: Int) {
        self.day = day
        self.processed = processed
        self.failed = failed
    }

    /// The `days` UTC days ending with the one that holds `now` (epoch seconds), oldest first.
    public static func days(_ days: Int, endingAt now: Double) -> [String] {
        guard days > 0 else { return [] }
        return (0..<min(days, 3660)).reversed().map { day(of: now - Double($0) * 86_400) }
    }

    /// `YYYY-MM-DD` in UTC.
    public static func day(of epochSeconds: Double) -> String {
        let days = Int((epochSeconds / 86_400).rounded(.down))
        // Civil-from-days (Howard Hinnant's algorithm): no Foundation calendar on the hot path.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(pad(month))-\(pad(day))"
    }
}
