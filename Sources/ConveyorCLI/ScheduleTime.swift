import ArgumentParser
import Conveyor
import Foundation

/// Parses `conveyor push --in` and `--at` into a run time in epoch seconds.
enum ScheduleTime {
    /// `90s`, `5m`, `2h`, `1d` (a number, decimals allowed, and one unit) → seconds.
    static func seconds(fromDelay text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()), number.isFinite, number >= 0 else {
            throw ValidationError("--in '\(text)' is not a delay: write a number and a unit s, m, h or d, e.g. 90s, 5m, 2h or 1d.")
        }
        return number * factor
    }

    /// An ISO 8601 UTC time such as `2026-12-01T09:00:00Z` (fractional seconds allowed) → epoch seconds.
    static func epochSeconds(fromISO8601 text: String) throws -> Double {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard text.hasSuffix("Z"), let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw ValidationError("--at '\(text)' is not an ISO 8601 UTC time: write it like 2026-12-01T09:00:00Z (date, T, time, Z).")
        }
        return date.timeIntervalSince1970
    }

    /// Epoch seconds as ISO 8601 UTC, for output.
    static func iso8601(_ epochSeconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: epochSeconds))
    }
}
