/// One Redis command, binary safe, kept in the form it travels in: Redis's wire format (RESP), built
/// once when the command is made.
///
/// Why encoded at once: a command as an array per argument cost an allocation per argument on the
/// caller's side, and the connection thread then had hiredis format those arrays again. Encoded, a
/// command is one allocation, and the connection appends its bytes to hiredis's output buffer as
/// they are (`redisAppendFormattedCommand`). Never a format string: arguments are copied byte for byte.
public struct RedisCommand: Sendable, Hashable {
    /// The command in Redis's wire format.
    let encoded: [UInt8]

    /// Creates a command from arguments that are strings, byte arrays or integers.
    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments: arguments)
    }

    /// Creates a command from a name and an argument list built at run time.
    public init(_ name: String, arguments: [any RedisArgument]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 + name.utf8.count + arguments.count * 32)
        RESPEncoding.appendHeader(count: arguments.count + 1, to: &bytes)
        name.appendBulkString(to: &bytes)
        for argument in arguments { argument.appendBulkString(to: &bytes) }
        encoded = bytes
    }

    /// Creates a command from raw argument bytes, the name first.
    public init(rawArguments: [[UInt8]]) {
        precondition(!rawArguments.isEmpty, "A Redis command needs at least its name.")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 + rawArguments.reduce(0) { $0 + $1.count + 16 })
        RESPEncoding.appendHeader(count: rawArguments.count, to: &bytes)
        for argument in rawArguments { argument.appendBulkString(to: &bytes) }
        encoded = bytes
    }

    /// The command name and its arguments, as raw bytes (decoded from the encoded command: for tests
    /// and diagnostics, not the hot path).
    public var arguments: [[UInt8]] {
        get { RESPEncoding.arguments(of: encoded) }
        set { self = RedisCommand(rawArguments: newValue) }
    }

    /// The command name in capitals, used in error messages ("Redis answered LPUSH with an error…").
    public var name: String {
        String(decoding: RESPEncoding.firstArgument(of: encoded), as: UTF8.self).uppercased()
    }
}
