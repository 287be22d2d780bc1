import Conveyor
import ConveyorRedis
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

@Suite("Admin commands of the conveyor CLI")
struct AdminCommandTests {
    /// Three jobs with an unknown field, fetched and settled: two in the retry set, one dead.
    func seed(_ context: RedisTestContext) async throws -> [FetchedJob] {
        let jobs = (0..<3).map { index in
            var job = Job(className: "Report", args: [.number(JSONNumber(index))], queue: "reports")
            job.fields["custom"] = ["keep": 1.50]
            return job
        }
        try await Producer(backend: context.backend).pushBulk(jobs)
        let fetched = try await fetchOnThread(context.backend, owner: "admin-test", queues: ["reports"], maximum: 3, timeout: 0.5)
        try await context.backend.move(fetched[0], to: .retry, payload: fetched[0].payload, score: WallClock.now() + 3600)
        try await context.backend.move(fetched[1], to: .retry, payload: fetched[1].payload, score: WallClock.now() + 7200)
        try await context.backend.move(fetched[2], to: .dead, payload: fetched[2].payload, score: WallClock.now())
        return fetched
    }

    func conveyor(_ context: RedisTestContext, _ arguments: String...) async throws -> CommandLine.Result {
        try await CommandLine.run("conveyor", arguments + ["--namespace", context.namespace], redisURL: context.server.url)
    }

    @Test("retry list/now/delete, with JSON for scripts and a clear error for an unknown jid")
    func retrySet() async throws {
        let context = try await RedisTestContext("admin-retry")
        let fetched = try await seed(context)
        let jids = try fetched.map { try Job(json: $0.payload).jid }
        let listed = try await conveyor(context, "retry", "list", "--json")
        #expect(listed.status == 0, "\(listed.errors)")
        let entries = try #require(try JSONValue.parse(listed.output).arrayValue)
        #expect(entries.compactMap { $0.objectValue?["jid"]?.stringValue } == [jids[0], jids[1]])
        let table = try await conveyor(context, "retry", "list")
        #expect(table.output.contains("RUNS AT") && table.output.contains(jids[1]), "\(table.output)")
        let firstPage = try await conveyor(context, "retry", "list", "--limit", "1")
        #expect(firstPage.output.contains(jids[0]) && !firstPage.output.contains(jids[1]), "\(firstPage.output)")
        #expect(firstPage.output.contains("Entries 1–1 of 2; `--offset 1` shows the next."), "\(firstPage.output)")
        let secondPage = try await conveyor(context, "retry", "list", "--offset", "1", "--limit", "1")
        #expect(secondPage.output.contains(jids[1]) && !secondPage.output.contains(jids[0]), "\(secondPage.output)")
        #expect(secondPage.output.contains("Entries 2–2 of 2."), "\(secondPage.output)")
        let beyond = try await conveyor(context, "retry", "list", "--offset", "5")
        #expect(beyond.status == 0 && beyond.output.contains("holds 2 entries, fewer than --offset 5 skips"), "\(beyond.output)")

        let now = try await conveyor(context, "retry", "now", jids[0])
        #expect(now.status == 0 && now.output.contains("to queue 'reports'"), "\(now.errors)")
        let queued = try #require(try await context.client.send("LINDEX", context.keys.queue("reports"), 0).bytes)
        let original = try Job(json: fetched[0].payload)
        var moved = try Job(json: queued)
        #expect(moved.fields.keys == original.fields.keys, "the member's fields or their order changed")
        #expect((moved.enqueuedAt ?? 0) > (original.enqueuedAt ?? 0))
        moved.enqueuedAt = original.enqueuedAt
        #expect(moved.serialized() == fetched[0].payload, "only enqueued_at may change")

        let deleted = try await conveyor(context, "retry", "delete", jids[1], "--json")
        let deletedReply = try JSONValue.parse(deleted.output).objectValue
        #expect(deleted.status == 0 && deletedReply?["deleted"] == true)
        #expect(try await context.backend.statistics().retries == 0)
        let unknown = try await conveyor(context, "retry", "now", jids[1])
        #expect(unknown.status == 1 && unknown.errors.contains("No job with jid \(jids[1]) is in the retry set. `conveyor retry list` shows what is there."), "\(unknown.errors)")
        let missing = try await conveyor(context, "retry", "delete")
        #expect(missing.status != 0 && missing.errors.contains("needs the job's jid"))
        try await context.finish()
    }

    @Test("dead list/retry/delete/clear, and scheduled list")
    func deadSet() async throws {
        let context = try await RedisTestContext("admin-dead")
        let fetched = try await seed(context)
        let deadJID = try Job(json: fetched[2].payload).jid
        let listed = try await conveyor(context, "dead", "list", "--json")
        let deadEntries = try JSONValue.parse(listed.output).arrayValue
        #expect(deadEntries?.first?.objectValue?["jid"]?.stringValue == deadJID)
        let retried = try await conveyor(context, "dead", "retry", deadJID)
        #expect(retried.status == 0, "\(retried.errors)")
        #expect(try await context.integer("LLEN", context.keys.queue("reports")) == 1)
        let gone = try await conveyor(context, "dead", "delete", deadJID)
        #expect(gone.status == 1 && gone.errors.contains("is in the dead set"))
        try await context.client.send("ZADD", context.keys.set(.dead), WallClock.now(), fetched[2].payload)
        try await context.client.send("ZADD", context.keys.set(.dead), WallClock.now(), "not a job")
        let table = try await conveyor(context, "dead", "list")
        #expect(table.output.contains("DIED AT") && table.output.contains("(not JSON)"), "\(table.output)")
        // A malformed object that still has a jid is listed and can be deleted by it.
        try await context.client.send("ZADD", context.keys.set(.dead), WallClock.now(), #"{"class":"Broken","args":"x","jid":"feedfacefeedfacefeedface","error_message":"args must be an array"}"#)
        let malformed = try await conveyor(context, "dead", "list")
        #expect(malformed.output.contains("feedfacefeedfacefeedface") && malformed.output.contains("args must be an array"), "\(malformed.output)")
        let deleted = try await conveyor(context, "dead", "delete", "feedfacefeedfacefeedface")
        #expect(deleted.status == 0, "\(deleted.errors)")
        let cleared = try await conveyor(context, "dead", "clear", "--json")
        let clearedReply = try JSONValue.parse(cleared.output).objectValue
        #expect(clearedReply?["cleared"] == 2)
        #expect(try await context.backend.statistics().dead == 0)
        let scheduled = try await conveyor(context, "scheduled", "list")
        #expect(scheduled.status == 0 && scheduled.output.contains("The schedule set is empty."))
        try await context.finish()
    }
}
