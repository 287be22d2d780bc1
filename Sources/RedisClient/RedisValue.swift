/// A Redis reply as a Swift value. hiredis's C reply is converted and freed at once, so no C memory
/// outlives the call that produced it.
public enum RedisValue: Sendable, Equatable, Hashable {
    /// A status reply such as `OK` or `PONG`.
    case status(String)
    /// A bulk string: arbitrary bytes, not necessarily UTF-8.
    case bulkString([UInt8])
    /// An integer reply.
    case integer(Int)
    /// A multi-bulk (array) reply.
    case array([RedisValue])
    /// The nil reply (a missing key, a timed-out blocking pop).
    case null
    /// An error reply. `send` throws these; inside a pipeline's results they are kept as values so
    /// one failing command does not hide the others' replies.
    case error(String)

    /// The reply as text: a status, or a bulk string decoded as UTF-8.
    public var string: String? {
        switch self {
        case .status(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let number): String(number)
        default: nil
        }
    }

    /// The reply's bytes when it is a bulk string or status.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The reply as an integer: an integer reply, or a bulk string holding one (as `GET` returns counters).
    public var integer: Int? {
        switch self {
        case .integer(let number): number
        case .bulkString(let bytes): Int(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is the nil reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
