@testable import Conveyor
import Testing

/// The worker reads fetched payloads outlined (``Job/init(outlining:)``), decoding only the class, jid
/// and queue at first. Whatever the payload, that must come to the same thing as ``Job/init(json:)``:
/// the same error for a bad payload, and for a good one a job with the same fields.
@Suite("Fetched payloads read outlined, as a full read would")
struct OutlinedJobTests {
    static let payloads: [String] = JobTests.sidekiqPayloads + [
        // Escapes and non-ASCII in keys and values, whitespace around everything.
        #" { "class" : "Caf\u00e9Job" , "args" : [ "a\"b", {"k\\":"\ud83d\ude00"} ], "jid":"j1", "queue":"crit" } "#,
        #"{"class":"ÉtéJob","args":["é"],"jid":"j2","retry":false,"custom":{"nested":[1,2,{"x":null}]}}"#,
        // A repeated key: the last value counts, as when parsing.
        #"{"class":"First","class":"Second","args":[],"jid":"j3","queue":"a","queue":"b"}"#,
        #"{"class":"A","args":[],"jid":"j4","retry":3,"retry_count":2,"recovery_count":1,"unique_for":60}"#,
        // Bad payloads, each for its own reason.
        #"{"class":"A","args":[1]"#,
        #"[1,2]"#,
        #""just a string""#,
        #"{"args":[],"jid":"x"}"#,
        #"{"class":"","args":[],"jid":"x"}"#,
        #"{"class":"   ","args":[],"jid":"x"}"#,
        #"{"class":"A","args":{"a":1},"jid":"x"}"#,
        #"{"class":"A","args":"[]","jid":"x"}"#,
        #"{"class":"A","args":[]}"#,
        #"{"class":"A","args":[],"jid":""}"#,
        #"{"class":"A","args":[],"jid":"x","queue":7}"#,
        #"{"class":"A","args":[],"jid":"x","queue":"bad queue!"}"#,
        #"{"class":"A","args":[],"jid":"x","retry":"often"}"#,
        #"{"class":"A","args":[],"jid":"x"} trailing"#,
        #"{"class":"A","args":[1,],"jid":"x"}"#,
        #"{"class":"A","args":["\x"],"jid":"x"}"#,
        #"{"class":"A","args":["\ud800"],"jid":"x"}"#,
        #"{"class":"A","args":[01],"jid":"x"}"#,
        #"{"class":"A","args":[tru],"jid":"x"}"#,
        #"{"class":"A","args":[],"jid":"x","k":{"a" 1}}"#,
        #"{"class":"A","args":[],"jid":"x","k":{1:2}}"#,
        "",
        "{",
        "{}",
    ]

    @Test("the same job or the same error as a full read", arguments: payloads)
    func sameAsFullRead(payload: String) {
        compare(Array(payload.utf8))
    }

    @Test("bytes that are not UTF-8, control characters, and nesting too deep")
    func byteLevelFaults() {
        compare(Array(#"{"class":"A","args":[""#.utf8) + [0xFF, 0xFE] + Array(#""],"jid":"x"}"#.utf8))
        compare(Array(#"{"class":"A","args":[""#.utf8) + [0x01] + Array(#""],"jid":"x"}"#.utf8))
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        compare(Array(#"{"class":"A","args":\#(deep),"jid":"x"}"#.utf8))
        let deepButAllowed = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        compare(Array(#"{"class":"A","args":\#(deepButAllowed),"jid":"x"}"#.utf8))
    }

    @Test("an outlined job changes like a decoded one, and stays equal to it")
    func mutation() throws {
        let payload = Array(Self.payloads[2].utf8)
        var outlined = try Job(outlining: payload)
        var decoded = try Job(json: payload)
        #expect(outlined == decoded)
        outlined.fields[JobField.retryCount] = 3
        decoded.fields[JobField.retryCount] = 3
        outlined.args = [1]
        decoded.args = [1]
        #expect(outlined == decoded)
        #expect(outlined.serialized() == decoded.serialized())
        #expect(outlined.retryCount == 3)
    }

    private func compare(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let full = Result { () throws(JobDecodingError) in try Job(json: bytes) }
        let outlined = Result { () throws(JobDecodingError) in try Job(outlining: bytes) }
        switch (full, outlined) {
        case (.success(let expected), .success(let job)):
            #expect(job == expected, sourceLocation: sourceLocation)
            #expect(job.className == expected.className, sourceLocation: sourceLocation)
            #expect(job.jid == expected.jid, sourceLocation: sourceLocation)
            #expect(job.queue == expected.queue, sourceLocation: sourceLocation)
            #expect(job.args == expected.args, sourceLocation: sourceLocation)
            #expect(job.retry == expected.retry, sourceLocation: sourceLocation)
            #expect(job.retryCount == expected.retryCount, sourceLocation: sourceLocation)
            #expect(job.createdAt == expected.createdAt, sourceLocation: sourceLocation)
            #expect(job.enqueuedAt == expected.enqueuedAt, sourceLocation: sourceLocation)
            #expect(job.uniqueLock == expected.uniqueLock, sourceLocation: sourceLocation)
            #expect(RecoveryDecision.isSuspect(job) == RecoveryDecision.isSuspect(expected), sourceLocation: sourceLocation)
            #expect(job.serialized() == expected.serialized(), sourceLocation: sourceLocation)
        case (.failure(let expected), .failure(let error)):
            #expect(error == expected, sourceLocation: sourceLocation)
        default:
            Issue.record("full read \(full), outlined read \(outlined)", sourceLocation: sourceLocation)
        }
    }
}
