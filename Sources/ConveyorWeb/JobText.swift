import Conveyor
import Foundation

/// How a job's fields read on a page: class, args, error and times as short plain text (escaped by the
/// caller), whatever the member holds, valid job or not.
enum JobText {
    /// The class, or `(not JSON)` / `(not a job)` for a member without one.
    static func className(_ entry: JobSetEntry) -> String {
        entry.fields?[JobField.className]?.stringValue ?? entry.label
    }

    /// The args as compact JSON, cut to `limit` characters.
    static func arguments(_ entry: JobSetEntry, limit: Int = 160) -> String {
        guard let args = entry.fields?[JobField.args] else { return "" }
        let text = args.jsonString
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// The job's queue field, or empty.
    static func queue(_ entry: JobSetEntry) -> String {
        entry.fields?[JobField.queue]?.stringValue ?? ""
    }

    /// `error_class: error_message`, or why the member is not a job.
    static func error(_ entry: JobSetEntry, limit: Int = 140) -> String {
        let fields = entry.fields
        let message = [fields?[JobField.errorClass]?.stringValue, fields?[JobField.errorMessage]?.stringValue]
            .compactMap { $0 }.joined(separator: ": ")
        let text = message.isEmpty ? (entry.problem ?? "") : message
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// An epoch time as `2026-12-01 06:07:08 UTC`; `–` for one that is not a finite time.
    static func time(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e11 else { return "–" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// `in 5 min` or `7 min ago`, relative to `now`.
    static func relative(_ seconds: Double, now: Double) -> String {
        guard seconds.isFinite else { return "–" }
        return seconds >= now ? "in " + HTML.age(seconds - now) : HTML.age(now - seconds) + " ago"
    }
}
