/// A value that can be a Redis command argument.
public protocol RedisArgument: Sendable {
    /// The argument as sent on the wire.
    var redisBytes: [UInt8] { get }

    /// Appends the argument to a command being encoded, as one RESP bulk string. The default goes
    /// through ``redisBytes``; the common types write their bytes straight in, with no array of their own.
    func appendBulkString(to buffer: inout [UInt8])
}

extension RedisArgument {
    public func appendBulkString(to buffer: inout [UInt8]) {
        redisBytes.withUnsafeBytes { RESPEncoding.appendBulk($0, to: &buffer) }
    }
}

extension String: RedisArgument {
    /// The UTF-8 bytes of the string.
    public var redisBytes: [UInt8] { Array(utf8) }

    public func appendBulkString(to buffer: inout [UInt8]) {
        // A native or small string is contiguous already; `withUTF8` copies only one that is not.
        var string = self
        string.withUTF8 { RESPEncoding.appendBulk(UnsafeRawBufferPointer($0), to: &buffer) }
    }
}

extension Substring: RedisArgument {
    /// The UTF-8 bytes of the substring.
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Array: RedisArgument where Element == UInt8 {
    /// The bytes themselves.
    public var redisBytes: [UInt8] { self }

    public func appendBulkString(to buffer: inout [UInt8]) {
        withUnsafeBytes { RESPEncoding.appendBulk($0, to: &buffer) }
    }
}

extension Int: RedisArgument {
    /// The decimal text of the integer, as Redis expects.
    public var redisBytes: [UInt8] { Array(String(self).utf8) }

    public func appendBulkString(to buffer: inout [UInt8]) {
        RESPEncoding.appendBulkDecimal(self, to: &buffer)
    }
}

extension Double: RedisArgument {
    /// The shortest text that round-trips, as Redis accepts for scores and timeouts.
    public var redisBytes: [UInt8] { Array(String(self).utf8) }
}
