import ConveyorSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unique job's lock: while it is held, a second push of a job with the same class, queue and args
/// (or the same explicit `unique_key`) is skipped. It is taken in the same atomic step as the push,
/// released in the same step that acknowledges the job, moves it to the dead set, or deletes, kills or
/// cancels it, kept while the job waits for a retry, and bounded by `unique_for` in case a worker
/// dies holding it.
public struct UniqueLock: Sendable, Equatable {
    /// The lock's name: a SHA-1 of the job's class, queue and args, or of its `unique_key`.
    public let digest: String
    /// The jid of the job that holds it.
    public let jid: String
    /// How long the lock lasts at most.
    public let timeToLive: Duration
    /// When the lock ends.
    public let until: UniqueUntil

    /// Creates a lock description.
    public init(digest: String, jid: String, timeToLive: Duration, until: UniqueUntil = .success) {
        self.digest = digest
        self.jid = jid
        self.timeToLive = timeToLive
        self.until = until
    }

    /// The lock name for a job: from its `unique_key` when it has one, else from class, queue and args.
    public static func digest(of job: Job) -> String {
        if let key = job.fields[JobField.uniqueKey]?.stringValue {
            return SHA1.hexDigest(of: Array(("key\n" + key).utf8))
        }
        let text = job.className + "\n" + job.queue + "\n" + JSONValue.array(job.args).jsonString
        return SHA1.hexDigest(of: Array(text.utf8))
    }

    /// The lock named in a serialized job, if it is a unique job. Only payloads that mention the
    /// digest field are parsed, so acknowledging ordinary jobs costs a byte search.
    public static func digest(inPayload payload: [UInt8]) -> (digest: String, jid: String)? {
        guard payload.count > 20, containsDigestField(payload), let job = try? Job(json: payload),
              let digest = job.fields[JobField.uniqueDigest]?.stringValue else { return nil }
        return (digest, job.jid)
    }

    private static let marker = Array("\"unique_digest\"".utf8)

    /// Whether the payload's bytes mention the digest field. Every acknowledgement asks this, so it
    /// jumps from underscore to underscore with `memchr` (vectorised; a job has a few) and compares
    /// the marker around each: a byte-by-byte search cost more than the rest of a small job's
    /// acknowledgement.
    private static func containsDigestField(_ payload: [UInt8]) -> Bool {
        payload.withUnsafeBytes { bytes in
            marker.withUnsafeBytes { needle in
                guard bytes.count >= needle.count, let base = bytes.baseAddress else { return false }
                // The marker's underscore: `"unique` comes before it, `digest"` after.
                let before = markerUnderscore, after = needle.count - markerUnderscore
                var from = before
                while from <= bytes.count - after,
                      let found = memchr(base + from, Int32(UInt8(ascii: "_")), bytes.count - after + 1 - from) {
                    let index = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(base + index - before, needle.baseAddress!, needle.count) == 0 { return true }
                    from = index + 1
                }
                return false
            }
        }
    }

    /// Where the underscore sits in ``marker``.
    private static let markerUnderscore = marker.firstIndex(of: UInt8(ascii: "_"))!
}

/// When a unique job's lock ends.
public enum UniqueUntil: String, Sendable, Equatable, CaseIterable {
    /// When its handler starts: a second job may be pushed while the first runs.
    case start
    /// When it succeeds (or dies, is deleted or cancelled): no duplicate while it waits, retries or runs.
    case success
}

/// What a push of a unique job did.
public enum PushOutcome: Sendable, Equatable {
    /// The job was pushed (or scheduled).
    case pushed(jid: String)
    /// A job with the same unique lock is queued, scheduled, retrying or running: nothing was pushed.
    case skipped(duplicateOf: String)
}

extension Job {
    /// Makes this job unique for `duration` (whole seconds, at least 1), until `until`, by class,
    /// queue and args or by `key`: sets `unique_for`, `unique_until`, `unique_key` and the lock name.
    public mutating func makeUnique(for duration: Duration, until: UniqueUntil = .success, key: String? = nil) {
        fields[JobField.uniqueFor] = .number(JSONNumber(max(1, Int(duration.inSeconds.rounded(.up)))))
        fields[JobField.uniqueUntil] = .string(until.rawValue)
        if let key { fields[JobField.uniqueKey] = .string(key) }
        fields[JobField.uniqueDigest] = .string(UniqueLock.digest(of: self))
    }

    /// The job's unique lock, when it has `unique_for` (its name computed now if the job lacks one).
    public var uniqueLock: UniqueLock? {
        guard let seconds = field(JobField.uniqueFor)?.doubleValue, seconds.isFinite, seconds > 0 else { return nil }
        let until = field(JobField.uniqueUntil)?.stringValue.flatMap(UniqueUntil.init(rawValue:)) ?? .success
        let digest = field(JobField.uniqueDigest)?.stringValue ?? UniqueLock.digest(of: self)
        return UniqueLock(digest: digest, jid: jid, timeToLive: .seconds(min(seconds, 1e9)), until: until)
    }
}
