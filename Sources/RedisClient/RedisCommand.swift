/// One Redis command as binary-safe arguments, sent with `redisAppendCommandArgv` (never a format string).
public struct RedisCommand: Sendable, Hashable {
    /// The command name and its arguments, as raw bytes.
    public var arguments: [[UInt8]]

    /// Creates a command from arguments that are strings, byte arrays or integers.
    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments: arguments)
    }

    /// Creates a command from a name and an argument list built at run time.
    public init(_ name: String, arguments: [any RedisArgument]) {
        // Appended into one array: `[name] + map` made two more arrays per command, and a job that
        // writes to Redis builds a few commands each time it runs.
        var all: [[UInt8]] = []
        all.reserveCapacity(arguments.count + 1)
        all.append(Array(name.utf8))
        for argument in arguments { all.append(argument.redisBytes) }
        self.arguments = all
    }

    /// Creates a command from raw argument bytes, the name first.
    public init(rawArguments: [[UInt8]]) {
        precondition(!rawArguments.isEmpty, "A Redis command needs at least its name.")
        self.arguments = rawArguments
    }

    /// The command name in capitals, used in error messages ("Redis answered LPUSH with an error…").
    public var name: String {
        String(decoding: arguments.first ?? [], as: UTF8.self).uppercased()
    }
}

/// A value that can be a Redis command argument.
public protocol RedisArgument: Sendable {
    /// The argument as sent on the wire.
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument {
    /// The UTF-8 bytes of the string.
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Substring: RedisArgument {
    /// The UTF-8 bytes of the substring.
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Array: RedisArgument where Element == UInt8 {
    /// The bytes themselves.
    public var redisBytes: [UInt8] { self }
}

extension Int: RedisArgument {
    /// The decimal text of the integer, as Redis expects.
    public var redisBytes: [UInt8] { Array(String(self).utf8) }
}

extension Double: RedisArgument {
    /// The shortest text that round-trips, as Redis accepts for scores and timeouts.
    public var redisBytes: [UInt8] { Array(String(self).utf8) }
}
