/// A JSON object: string-keyed members kept in the order they were read or added.
///
/// Order is kept because payloads are rewritten (retry counts, error fields) and should come back
/// looking as they went in, with unknown fields untouched and in place.
///
/// Keys are unique. When parsed text or `init(_:)` repeats a key, the last value wins but the member
/// stays at the position where the key first appeared; this matches what Ruby's and JavaScript's
/// parsers make of duplicates, so Sidekiq and we agree on the payload's meaning.
///
/// Keys are compared by their UTF-8 bytes, not by Swift's `String` equality (which treats "é" and
/// "e\u{301}" as equal): JSON names are sequences of code points, and merging two members whose
/// keys differ only in normalization would silently drop one of them from a payload.
///
/// Equality ignores order: two objects are equal when they have the same keys with equal values.
/// Different writers (Ruby's `JSON.generate`, our producer, a Redis GUI) order the fields of the
/// same job differently, and it is still the same job. Hashing is consistent with that.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One member; named tuple labels so that `for (key, value) in object` and `member.key` both read well.
    public typealias Element = (key: String, value: JSONValue)

    /// The members, in order.
    private var storage: [Element]

    /// Key to position in `storage`, kept only once the object is large, where a linear scan would
    /// make parsing quadratic; small objects (the common job payload) are faster to scan.
    private var index: [IndexKey: Int]?

    /// Above this many members the object keeps `index`.
    private static let indexThreshold = 16

    /// Creates an empty object.
    public init() {
        storage = []
        index = nil
    }

    /// Creates an object from members already known to have unique keys, with a matching index.
    private init(storage: [Element], index: [IndexKey: Int]?) {
        self.storage = storage
        self.index = index
    }

    /// Creates an object from members in the given order; a repeated key keeps its first position
    /// and takes its last value, as when parsing.
    public init(_ members: [(String, JSONValue)]) {
        self.init()
        storage.reserveCapacity(members.count)
        for (key, value) in members {
            self[key] = value
        }
    }

    /// Creates an object from a literal, keeping the literal's order (which `Dictionary` would lose).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The members in order.
    public var members: [(key: String, value: JSONValue)] {
        storage
    }

    /// The keys in order.
    public var keys: [String] {
        storage.map(\.key)
    }

    /// The number of members.
    public var count: Int {
        storage.count
    }

    /// Whether the object has no members.
    public var isEmpty: Bool {
        storage.isEmpty
    }

    /// The value for `key`, or `nil` if absent.
    ///
    /// Setting a value for an existing key replaces it in place, keeping the member's position, so a
    /// rewritten payload differs from the original only where it was changed; setting a new key
    /// appends it at the end; setting `nil` removes the member. To store a JSON `null`, assign
    /// `.null` (a bare `nil` means "remove").
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return storage[position].value
        }
        set {
            guard let newValue else {
                removeValue(forKey: key)
                return
            }
            if let position = position(of: key) {
                storage[position].value = newValue
            } else {
                append(key, newValue)
            }
        }
    }

    /// Removes the member for `key`, closing the gap so the others keep their relative order.
    ///
    /// - Returns: The removed value, or `nil` if the key was absent.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let removed = storage.remove(at: position).value
        if index != nil {
            rebuildIndex()
        }
        return removed
    }

    /// Iterates the members in order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        storage.makeIterator()
    }

    /// The exact member count, so `Array(object)` allocates once.
    public var underestimatedCount: Int {
        storage.count
    }

    /// Same keys with equal values, in any order (see the type's documentation for why).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        // Keys are unique on both sides, so equal counts plus every left member found equal on the
        // right means the key sets are the same. Same-order objects are checked without lookups.
        for (offset, member) in lhs.storage.enumerated() {
            let candidate = rhs.storage[offset]
            if keysMatch(candidate.key, member.key) {
                guard candidate.value == member.value else { return false }
            } else {
                guard let value = rhs[member.key], value == member.value else { return false }
            }
        }
        return true
    }

    /// Hashes the members independently of their order, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        // Combine per-member hashes with a commutative operation; keys are unique, so no two
        // members can cancel each other out.
        var combined = 0
        for member in storage {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined = combined &+ memberHasher.finalize()
        }
        hasher.combine(storage.count)
        hasher.combine(combined)
    }

    /// Position of `key` in `storage`.
    private func position(of key: String) -> Int? {
        if let index {
            return index[IndexKey(key)]
        }
        for position in storage.indices where JSONObject.keysMatch(storage[position].key, key) {
            return position
        }
        return nil
    }

    /// Appends a member whose key is known to be absent.
    private mutating func append(_ key: String, _ value: JSONValue) {
        storage.append((key: key, value: value))
        if index != nil {
            index![IndexKey(key)] = storage.count - 1
        } else if storage.count > JSONObject.indexThreshold {
            rebuildIndex()
        }
    }

    /// Recomputes `index` after positions shifted, dropping it when the object became small again.
    private mutating func rebuildIndex() {
        guard storage.count > JSONObject.indexThreshold else {
            index = nil
            return
        }
        var rebuilt = [IndexKey: Int](minimumCapacity: storage.count)
        for (position, member) in storage.enumerated() {
            rebuilt[IndexKey(member.key)] = position
        }
        index = rebuilt
    }

    /// Whether two keys are the same JSON name, i.e. have the same UTF-8 bytes.
    @inline(__always)
    static func keysMatch(_ lhs: String, _ rhs: String) -> Bool {
        // The length check is O(1) for native strings and settles almost every comparison.
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in bytesEqual(left, right) }
        }
    }

    /// Whether two buffers of the same length hold the same bytes, compared eight at a time: as fast as
    /// memcmp on short keys, and it keeps the module free of Glibc/Darwin.
    @inline(__always)
    private static func bytesEqual(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = left.count
        guard count > 0, let leftStart = left.baseAddress, let rightStart = right.baseAddress else { return true }
        let leftRaw = UnsafeRawPointer(leftStart), rightRaw = UnsafeRawPointer(rightStart)
        var offset = 0
        while offset + 8 <= count {
            if leftRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != rightRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset += 8
        }
        while offset < count {
            if left[offset] != right[offset] { return false }
            offset += 1
        }
        return true
    }

    /// A key for `index` that hashes and compares by UTF-8 bytes, matching `keysMatch`.
    private struct IndexKey: Hashable, Sendable {
        let string: String

        init(_ string: String) {
            self.string = string
        }

        static func == (lhs: IndexKey, rhs: IndexKey) -> Bool {
            keysMatch(lhs.string, rhs.string)
        }

        func hash(into hasher: inout Hasher) {
            var string = string
            string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}

extension JSONObject {
    /// Creates an object from members whose keys the caller guarantees are distinct (a job being
    /// built from its fixed field names), skipping the duplicate check.
    package init(distinctMembers members: [Element]) {
        self.init(parsedMembers: members)
    }

    /// Creates an object from members the parser collected, in order.
    ///
    /// The common case, no repeated key, takes the members as they are in one copy; only when a key
    /// repeats does it fall back to inserting them one by one under the duplicate-key rule.
    init(parsedMembers members: [Element]) {
        if members.count <= JSONObject.indexThreshold {
            var unique = true
            search: for later in members.indices {
                for earlier in 0..<later where JSONObject.keysMatch(members[earlier].key, members[later].key) {
                    unique = false
                    break search
                }
            }
            if unique {
                self.init(storage: members, index: nil)
                return
            }
        } else {
            var positions = [IndexKey: Int](minimumCapacity: members.count)
            var unique = true
            for (position, member) in members.enumerated() where positions.updateValue(position, forKey: IndexKey(member.key)) != nil {
                unique = false
                break
            }
            if unique {
                self.init(storage: members, index: positions)
                return
            }
        }
        self.init()
        for member in members {
            self[member.key] = member.value
        }
    }
}
