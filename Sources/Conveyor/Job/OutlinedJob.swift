import Synchronization

/// A fetched job's payload, validated but decoded only as far as the worker needs to run it: its
/// class, jid and queue. The rest of its fields are decoded when first asked for, once, and kept.
///
/// Why: the consumer thread reads every fetched job before handing it over, and decoding all of a
/// job's fields (its timestamps, its arguments, one `JSONValue` each) cost more than running a small
/// job. Most handlers read only their arguments, which ``Job/args`` decodes from their own bytes.
final class OutlinedJob: Sendable {
    let payload: [UInt8]
    let outline: JSONObjectOutline
    let className: String
    let jid: String
    let queue: String?
    /// Every field, once something asked for them as a whole (``Job/fields``).
    private let decoded = Mutex<JSONObject?>(nil)

    init(payload: [UInt8], outline: JSONObjectOutline, className: String, jid: String, queue: String?) {
        self.payload = payload
        self.outline = outline
        self.className = className
        self.jid = jid
        self.queue = queue
    }

    /// The value of one field, decoded from its own bytes; nil when the job has no such field.
    func field(_ key: String) -> JSONValue? {
        if let fields = decoded.withLock({ $0 }) { return fields[key] }
        return outline.member(key).map { outline.value(of: $0, in: payload) }
    }

    /// All the fields, decoded once.
    var fields: JSONObject {
        decoded.withLock { decoded in
            if let decoded { return decoded }
            guard case .object(let fields)? = try? JSONValue.parse(payload) else {
                preconditionFailure("an outlined job's payload no longer parses as an object")
            }
            decoded = fields
            return fields
        }
    }
}
