import ArgumentParser
import Conveyor
import Foundation

/// Parses `conveyor push --in` and `--at` into a run time in epoch seconds.
enum ScheduleTime {
    /// The furthest ahead a job may be scheduled: 100 years. Further is a typo (`--in 9e99d` would be
    /// the year 5,828,963), and no date formatter prints it.
    static let maximumDelay: Double = 100 * 365.25 * 86_400

    /// `90s`, `5m`, `2h`, `1.5d` (a plain decimal number and one unit) → seconds, at most 100 years.
    /// Hex, exponents, signs, `inf` and `nan` are refused: `0x10s` must not quietly mean 16 s.
    static func seconds(fromDelay text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last, let factor = units[unit], let number = decimal(text.dropLast()) else {
            throw ValidationError("--in \(LogText.quoted(text)) is not a delay: write a decimal number and a unit s, m, h or d, e.g. 90s, 5m, 2h or 1.5d.")
        }
        let seconds = number * factor
        guard seconds <= maximumDelay else {
            throw ValidationError("--in \(LogText.quoted(text)) is more than 100 years ahead; schedule jobs at most 36525d ahead.")
        }
        return seconds
    }

    /// `--at`: an ISO 8601 time with `Z` or an offset (`2026-12-01T09:00:00Z`,
    /// `2026-12-01T09:00:00+02:00`, fractional seconds allowed), or epoch seconds (`1796115600`) →
    /// epoch seconds, at most 100 years from now.
    static func epochSeconds(fromISO8601 text: String) throws -> Double {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let seconds: Double
        if let epoch = decimal(Substring(text)) {
            seconds = epoch
        } else if text.contains("T"), let date = plain.date(from: text) ?? fractional.date(from: text) {
            seconds = date.timeIntervalSince1970
        } else {
            throw ValidationError("--at \(LogText.quoted(text)) is not a time: write ISO 8601 with Z or an offset, like 2026-12-01T09:00:00Z or 2026-12-01T09:00:00+02:00, or epoch seconds like 1796115600.")
        }
        guard seconds <= WallClock.now() + maximumDelay else {
            throw ValidationError("--at \(LogText.quoted(text)) is more than 100 years ahead; schedule jobs at most 100 years ahead.")
        }
        return seconds
    }

    /// A plain decimal number: digits with at most one `.` between digits, nothing else.
    private static func decimal(_ text: Substring) -> Double? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        return Double(text)
    }

    /// Epoch seconds as ISO 8601 UTC, for output.
    static func iso8601(_ epochSeconds: Double) -> String {
        // Scores come from Redis and may be anything: keep the formatter within its range.
        guard epochSeconds.isFinite, abs(epochSeconds) < 1e12 else { return "\(epochSeconds)" }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: epochSeconds))
    }
}
