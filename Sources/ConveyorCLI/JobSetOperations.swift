import Conveyor

/// The work shared by `conveyor retry`, `dead` and `scheduled`: list a page of a set, move or delete
/// one job by jid, clear the set. Each prints a table or a line for people, or JSON with `json`.
enum JobSetOperations {
    static func list(_ set: JobSet, offset: Int, limit: Int, json: Bool, redis: RedisOptions) async {
        let page = await redis.withAdmin { admin in try await admin.entries(in: set, offset: offset, limit: limit) }
        let entries = page.entries
        if json {
            print(JSONValue.array(entries.map(jsonSummary)).jsonString)
            return
        }
        guard !entries.isEmpty else {
            if page.total == 0 {
                print("The \(set.rawValue) set is empty.")
            } else {
                print("The \(set.rawValue) set holds \(page.total) entr\(page.total == 1 ? "y" : "ies"), fewer than --offset \(page.offset) skips; `--offset 0` lists from the first.")
            }
            return
        }
        // FAILURES is how often the job failed (Sidekiq's retry_count + 1); malformed members show what
        // they have, an ID to delete or retry them by (their jid, or payload- and their SHA-1) and
        // why they are not a job.
        var table = TextTable(["JID", "CLASS", "QUEUE", set == .dead ? "DIED AT" : "RUNS AT", "FAILURES", "ERROR"])
        for entry in entries {
            let fields = entry.fields
            let failures = fields?[JobField.retryCount]?.intValue.map { $0 == .max ? "\($0)" : "\($0 + 1)" } ?? "0"
            let error = fields?[JobField.errorMessage]?.stringValue ?? entry.problem ?? ""
            table.append([
                LogText.escaped(entry.id), LogText.escaped(fields?[JobField.className]?.stringValue ?? entry.label),
                LogText.escaped(fields?[JobField.queue]?.stringValue ?? ""), ScheduleTime.iso8601(entry.score), failures,
                LogText.escaped(error.prefix(60)),
            ])
        }
        print(table.render())
        // Say when there is more, and how to see it, rather than let a cut-off list look complete.
        if page.offset > 0 || page.offset + entries.count < page.total {
            let next = page.offset + entries.count < page.total ? "; `--offset \(page.offset + entries.count)` shows the next" : ""
            print("Entries \(page.offset + 1)–\(page.offset + entries.count) of \(page.total)\(next).")
        }
    }

    static func enqueueNow(jid: String, from set: JobSet, json: Bool, redis: RedisOptions) async {
        let entry = await redis.withAdmin { admin in try await admin.enqueueNow(id: jid, from: set) }
        if json {
            print(JSONValue.object(["jid": .string(jid), "queue": .string(entry.queue), "from": .string(set.rawValue)]).jsonString)
        } else {
            print("Moved job \(LogText.escaped(jid)) (\(LogText.escaped(entry.job?.className ?? entry.label))) from the \(set.rawValue) set to queue '\(entry.queue)'.")
        }
    }

    static func delete(jid: String, from set: JobSet, json: Bool, redis: RedisOptions) async {
        let entry = await redis.withAdmin { admin in try await admin.delete(id: jid, from: set) }
        if json {
            print(JSONValue.object(["jid": .string(jid), "deleted": .bool(true), "from": .string(set.rawValue)]).jsonString)
        } else {
            print("Deleted job \(LogText.escaped(jid)) (\(LogText.escaped(entry.job?.className ?? entry.label))) from the \(set.rawValue) set.")
        }
    }

    static func clear(_ set: JobSet, json: Bool, redis: RedisOptions) async {
        let count = await redis.withAdmin { admin in try await admin.clear(set) }
        if json {
            print(JSONValue.object(["cleared": .number(JSONNumber(count)), "set": .string(set.rawValue)]).jsonString)
        } else {
            print("Cleared the \(set.rawValue) set: \(count) job\(count == 1 ? "" : "s") deleted.")
        }
    }

    /// One entry for `--json`: the fields a script filters on, plus the whole job as stored.
    static func jsonSummary(_ entry: JobSetEntry) -> JSONValue {
        var object = JSONObject()
        // A score is whatever Redis holds, `inf` included, which JSON cannot spell as a number.
        object["score"] = entry.score.isFinite ? .number(JSONNumber(entry.score)) : .string("\(entry.score)")
        object["at"] = .string(ScheduleTime.iso8601(entry.score))
        object["id"] = .string(entry.id)
        if let job = entry.job {
            object[JobField.jid] = .string(job.jid)
            object[JobField.className] = .string(job.className)
            object[JobField.queue] = .string(job.queue)
            object["job"] = .object(job.fields)
        } else {
            object["payload"] = .string(String(decoding: entry.payload, as: UTF8.self))
            object["error"] = .string(entry.problem ?? "")
        }
        return .object(object)
    }
}
