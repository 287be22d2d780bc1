extension JSONValue {
    /// Deepest nesting of arrays and objects `parse` accepts; deeper input is an error rather than a
    /// stack overflow.
    public static var maximumDepth: Int { JSONParser.maximumDepth }

    /// How many arrays and objects are nested here: 0 for a scalar, 1 for `[1]`, 2 for `[[1]]`.
    /// Counted with an explicit stack so that a hostile value built in code cannot overflow the
    /// thread's stack.
    public var nestingDepth: Int {
        var deepest = 0
        var pending: [(JSONValue, Int)] = [(self, 0)]
        while let (value, depth) = pending.popLast() {
            switch value {
            case .array(let elements):
                deepest = max(deepest, depth + 1)
                for element in elements { pending.append((element, depth + 1)) }
            case .object(let object):
                deepest = max(deepest, depth + 1)
                for (_, member) in object { pending.append((member, depth + 1)) }
            default:
                deepest = max(deepest, depth)
            }
        }
        return deepest
    }
}
