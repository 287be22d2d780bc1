extension JSONValue {
    /// The compact JSON text of this value as UTF-8: no whitespace, object members in stored order,
    /// numbers exactly as their text. This is the form stored in Redis.
    public func serialized() -> [UInt8] {
        JSONWriter.withTemporaryWriter { writer in
            write(to: &writer)
            return writer.withBytes { Array($0) }
        }
    }

    /// The compact JSON text of this object (see `serialized()`) with `members`, already-written member
    /// text such as `,"enqueued_at":1.5`, placed before its closing brace: a push stamps each job this
    /// way in one buffer, where appending to the finished text reallocated and copied it. The caller
    /// makes sure the value is an object, and `members` starts with a comma when the object is not empty.
    public func serialized(insertingBeforeClosingBrace members: [UInt8]) -> [UInt8] {
        guard case .object = self else { preconditionFailure("Members can only be inserted into an object.") }
        return JSONWriter.withTemporaryWriter { writer in
            write(to: &writer)
            writer.removeLast()
            members.withUnsafeBufferPointer { writer.append($0) }
            writer.append(UInt8(ascii: "}"))
            return writer.withBytes { Array($0) }
        }
    }

    /// The compact JSON text of this value (see `serialized()`), for logs and string-based APIs.
    public var jsonString: String {
        JSONWriter.withTemporaryWriter { writer in
            write(to: &writer)
            return writer.withBytes { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Appends the compact JSON text of this value to `buffer`.
    ///
    /// Appending rather than returning lets callers build a larger message (e.g. a batch of
    /// payloads) in one buffer.
    ///
    /// Strings escape only what JSON requires: `"`, `\` and control characters (`\n`, `\r`, `\t`,
    /// `\b`, `\f`, otherwise `\u00XX`). `/` and non-ASCII are written as they are, so payloads stay
    /// short and readable and match what Ruby's JSON writes.
    public func write(into buffer: inout [UInt8]) {
        JSONWriter.withTemporaryWriter { writer in
            write(to: &writer)
            writer.withBytes { buffer.append(contentsOf: $0) }
        }
    }

    /// Writes this value, recursively, to `writer`.
    private func write(to writer: inout JSONWriter) {
        switch self {
        case .null:
            writer.append("null")
        case .bool(let value):
            writer.append(value ? "true" : "false")
        case .number(let number):
            writer.appendRaw(number.text)
        case .string(let string):
            writer.appendQuoted(string)
        case .array(let elements):
            writer.append(UInt8(ascii: "["))
            for position in elements.indices {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                elements[position].write(to: &writer)
            }
            writer.append(UInt8(ascii: "]"))
        case .object(let object):
            writer.append(UInt8(ascii: "{"))
            let members = object.members
            for position in members.indices {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                writer.appendQuoted(members[position].key)
                writer.append(UInt8(ascii: ":"))
                members[position].value.write(to: &writer)
            }
            writer.append(UInt8(ascii: "}"))
        }
    }
}
