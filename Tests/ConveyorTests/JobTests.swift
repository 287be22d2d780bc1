import Conveyor
import Testing

@Suite("Job wire format")
struct JobTests {
    static let sidekiqPayloads = [
        // As pushed by Sidekiq 6.4.1's client.
        #"{"retry":true,"queue":"default","class":"HardJob","args":[1,"x"],"jid":"b4a577edbccf1d805744efa9","created_at":1700000000.123456,"enqueued_at":1700000000.124}"#,
        // ActiveJob's wrapper, with the real class in "wrapped" and its own fields.
        #"{"class":"ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper","wrapped":"GuestsCleanupJob","queue":"default","args":[{"job_class":"GuestsCleanupJob","job_id":"3c5b5b8e","arguments":["Guest"],"executions":0}],"retry":true,"jid":"1f8a6e0c7d4c3b2a19087f6e","created_at":1700000000.5,"enqueued_at":1700000000.6}"#,
        // A retried job carrying Sidekiq's failure fields.
        #"{"retry":5,"queue":"mailers","class":"MailJob","args":[{"to":"a@b.c"}],"jid":"0123456789abcdef01234567","created_at":1700000000.0,"enqueued_at":1700000100.25,"error_message":"timeout","error_class":"Net::ReadTimeout","failed_at":1700000050.5,"retry_count":2,"retried_at":1700000090.75}"#,
        // Sidekiq 8 writes integer milliseconds, plus fields this version does not know.
        #"{"retry":true,"queue":"default","class":"HardJob","args":[],"jid":"aaaaaaaaaaaaaaaaaaaaaaaa","created_at":1700000000123,"enqueued_at":1700000000456,"tags":["a"],"bid":"batch-1","cattr":{"tenant":7}}"#,
    ]

    @Test("Sidekiq's own payloads parse and re-serialize byte for byte", arguments: sidekiqPayloads)
    func sidekiqPayloadsRoundTrip(payload: String) throws {
        let job = try Job(json: Array(payload.utf8))
        #expect(String(decoding: job.serialized(), as: UTF8.self) == payload)
    }

    @Test("typed accessors read Sidekiq's fields")
    func accessors() throws {
        let job = try Job(json: Array(Self.sidekiqPayloads[2].utf8))
        #expect(job.className == "MailJob")
        #expect(job.queue == "mailers")
        #expect(job.jid == "0123456789abcdef01234567")
        #expect(job.retry == .limit(5))
        #expect(job.retryCount == 2)
        #expect(job.createdAt == 1_700_000_000.0)
        #expect(job.enqueuedAt == 1_700_000_100.25)
        #expect(job.args == [["to": "a@b.c"]])
    }

    @Test("integer timestamps are milliseconds, float timestamps are seconds")
    func timestampUnits() throws {
        let modern = try Job(json: Array(Self.sidekiqPayloads[3].utf8))
        #expect(modern.createdAt == 1_700_000_000.123)
        #expect(modern.enqueuedAt == 1_700_000_000.456)
    }

    @Test("rewriting a job keeps unknown fields, their order and their number text")
    func unknownFieldsSurvive() throws {
        var job = try Job(json: Array(Self.sidekiqPayloads[3].utf8))
        job.retryCount = 0
        job.fields["error_message"] = "boom"
        let text = String(decoding: job.serialized(), as: UTF8.self)
        #expect(text.contains(#""created_at":1700000000123"#))
        #expect(text.contains(#""tags":["a"],"bid":"batch-1","cattr":{"tenant":7}"#))
        #expect(text.hasSuffix(#""retry_count":0,"error_message":"boom"}"#))
    }

    @Test("a new job has Sidekiq's fields and a 24-hex-digit jid")
    func newJob() throws {
        let job = Job(className: "HardJob", args: [1, "x"])
        #expect(job.fields.keys == ["retry", "queue", "class", "args", "jid", "created_at"])
        #expect(job.jid.count == 24 && job.jid.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(job.retry == .default && job.queue == "default")
        let reread = try Job(json: job.serialized())
        #expect(reread == job)
    }

    @Test("job IDs do not repeat")
    func uniqueIDs() {
        let ids = Set((0..<10_000).map { _ in JobID.generate() })
        #expect(ids.count == 10_000)
    }

    @Test("malformed payloads are rejected with a reason", arguments: [
        (#"{"class":"A","args":[1]"#, "not valid JSON"),
        (#"[1,2]"#, "not an object"),
        (#"{"args":[],"jid":"x"}"#, #""class""#),
        (#"{"class":"","args":[],"jid":"x"}"#, #""class""#),
        (#"{"class":"A","args":{"a":1},"jid":"x"}"#, #""args""#),
        (#"{"class":"A","args":[]}"#, #""jid""#),
        (#"{"class":"A","args":[],"jid":"x","queue":7}"#, #""queue""#),
    ])
    func malformed(payload: String, expected: String) {
        #expect {
            try Job(json: Array(payload.utf8))
        } throws: { error in
            String(describing: error).contains(expected)
        }
    }

    @Test("retry policy reads true, false and integers")
    func retryPolicy() {
        #expect(RetryPolicy(jsonValue: true) == .default)
        #expect(RetryPolicy(jsonValue: false) == .never)
        #expect(RetryPolicy(jsonValue: 3) == .limit(3))
        #expect(RetryPolicy(jsonValue: nil) == .default)
        #expect(RetryPolicy.default.maximumRetries == 25)
        #expect(RetryPolicy.limit(3).jsonValue == 3)
    }
}

@Suite("Job serialization with enqueued_at")
struct EnqueuedAtSerializationTests {
    @Test("appending enqueued_at gives the same JSON as setting the field")
    func appendMatchesSetting() throws {
        let job = Job(className: "A", args: [1, "x"], jid: "0123456789abcdef01234567", createdAt: 1_700_000_000.5)
        var stamped = job
        stamped.enqueuedAt = 1_700_000_001.25
        #expect(job.serialized(enqueuedAt: 1_700_000_001.25) == stamped.serialized())
        #expect(try Job(json: job.serialized(enqueuedAt: 1_700_000_001.25)).enqueuedAt == 1_700_000_001.25)
    }

    @Test("an existing enqueued_at is replaced in place, not duplicated")
    func replacesExisting() throws {
        var job = Job(className: "A")
        job.enqueuedAt = 1
        let text = String(decoding: job.serialized(enqueuedAt: 2.5), as: UTF8.self)
        #expect(text.components(separatedBy: "enqueued_at").count == 2)
        #expect(try Job(json: Array(text.utf8)).enqueuedAt == 2.5)
    }
}

@Suite("Finding a unique job's lock in its payload")
struct UniqueDigestInPayloadTests {
    @Test("the digest is found wherever the field sits, and only where the whole field name is")
    func digestFoundOnlyForTheField() throws {
        var job = Job(className: "Report", args: [.string("a_b")], jid: "0123456789abcdef01234567")
        job.makeUnique(for: .seconds(60))
        let digest = try #require(job.fields[JobField.uniqueDigest]?.stringValue)
        // The field last, first, and between fields with underscores of their own.
        let last = job.serialized()
        var first = JSONObject()
        first[JobField.uniqueDigest] = .string(digest)
        for (key, value) in job.fields where key != JobField.uniqueDigest { first[key] = value }
        for payload in [last, JSONValue.object(first).serialized()] {
            let found = try #require(UniqueLock.digest(inPayload: payload))
            #expect(found.digest == digest)
            #expect(found.jid == "0123456789abcdef01234567")
        }
        // Near misses: the name inside a string, cut short, or with another prefix.
        let misses = [
            #"{"class":"X","args":["unique_digest"],"jid":"j","unique_for":60}"#,
            #"{"class":"X","args":[],"jid":"j","unique_diges":"abc"}"#,
            #"{"class":"X","args":[],"jid":"j","not_unique_digest":"abc"}"#,
            #"{"class":"X","args":[],"jid":"j"}"#,
            #"_"unique_digest"#,
            "",
        ]
        for miss in misses {
            #expect(UniqueLock.digest(inPayload: Array(miss.utf8)) == nil, "\(miss)")
        }
    }
}
