/// Redis's wire format for commands (RESP): `*<count>\r\n`, then `$<length>\r\n<bytes>\r\n` for each
/// argument. ``RedisCommand`` is built straight into it, so a command is one array of bytes that the
/// connection hands to hiredis as is (`redisAppendFormattedCommand`), rather than an array per
/// argument that hiredis then formats again on the connection thread.
enum RESPEncoding {
    /// Appends the array header of a command with `count` arguments, its name included.
    static func appendHeader(count: Int, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "*"))
        appendDecimal(count, to: &buffer)
        appendLineEnd(to: &buffer)
    }

    /// Appends one argument as a bulk string.
    @inline(__always)
    static func appendBulk(_ bytes: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count, to: &buffer)
        appendLineEnd(to: &buffer)
        buffer.append(contentsOf: bytes)
        appendLineEnd(to: &buffer)
    }

    /// Appends the decimal text of `value`, as RESP lengths are written.
    @inline(__always)
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        // Lengths below 100 (names, keys, jids) are written directly: most of a command's numbers.
        if value >= 0 && value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
        } else if value >= 10 && value < 100 {
            buffer.append(UInt8(ascii: "0") + UInt8(value / 10))
            buffer.append(UInt8(ascii: "0") + UInt8(value % 10))
        } else {
            withDecimalText(of: value) { buffer.append(contentsOf: $0) }
        }
    }

    /// Appends an integer argument as a bulk string of its decimal text, as Redis reads integers.
    static func appendBulkDecimal(_ value: Int, to buffer: inout [UInt8]) {
        withDecimalText(of: value) { appendBulk(UnsafeRawBufferPointer($0), to: &buffer) }
    }

    /// Calls `body` with the decimal text of `value`, written from the last digit into a stack buffer
    /// (`Int.min` has 20 characters with its sign): no string, no array.
    private static func withDecimalText<R>(of value: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// The arguments of an encoded command, each as its own bytes.
    static func arguments(of encoded: [UInt8]) -> [[UInt8]] {
        var arguments: [[UInt8]] = []
        var index = 0
        guard let count = number(after: UInt8(ascii: "*"), in: encoded, at: &index) else { return [] }
        arguments.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = number(after: UInt8(ascii: "$"), in: encoded, at: &index), index + length <= encoded.count else { break }
            arguments.append(Array(encoded[index..<(index + length)]))
            index += length + 2
        }
        return arguments
    }

    /// The first argument of an encoded command: its name.
    static func firstArgument(of encoded: [UInt8]) -> [UInt8] {
        var index = 0
        guard number(after: UInt8(ascii: "*"), in: encoded, at: &index) != nil,
              let length = number(after: UInt8(ascii: "$"), in: encoded, at: &index), index + length <= encoded.count else { return [] }
        return Array(encoded[index..<(index + length)])
    }

    private static func appendLineEnd(to buffer: inout [UInt8]) {
        buffer.append(13)
        buffer.append(10)
    }

    /// Reads `<marker><digits>\r\n` at `index` and moves past it.
    private static func number(after marker: UInt8, in encoded: [UInt8], at index: inout Int) -> Int? {
        guard index < encoded.count, encoded[index] == marker else { return nil }
        index += 1
        var value = 0
        while index < encoded.count, encoded[index] != 13 {
            value = value * 10 + Int(encoded[index] &- UInt8(ascii: "0"))
            index += 1
        }
        index += 2
        return value
    }
}
