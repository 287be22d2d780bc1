/// One container being filled by `JSONValueEncoder`, turned into a `JSONValue` once encoding ends.
///
/// A reference type because `Codable` hands out containers and super encoders that outlive the call
/// that made them: a nested container keeps writing into its node after its parent moved on, so the
/// parent holds the node, not a copy of a value.
final class JSONEncodingNode {
    /// What the node has become; fixed by the first container asked of it.
    enum Kind {
        case empty
        case single
        case object
        case array
    }

    /// A member or element: a finished value, or a node still open to nested writes.
    enum Entry {
        case value(JSONValue)
        case node(JSONEncodingNode)

        var value: JSONValue {
            switch self {
            case .value(let value): value
            case .node(let node): node.value
            }
        }
    }

    private(set) var kind = Kind.empty
    private var single = JSONValue.null
    private var members: [(key: String, entry: Entry)] = []
    private var elements: [Entry] = []

    /// Whether nothing was encoded, which at the top level is an error (as in Foundation).
    var isEmpty: Bool { kind == .empty }

    /// The number of elements so far, for coding paths and `count`.
    var elementCount: Int { elements.count }

    /// Makes the node an object; asking again for a keyed container of the same node is allowed.
    func becomeObject() {
        precondition(kind == .empty || kind == .object, "Asked for a keyed container where a \(kind) container was already used; one value can only be one kind of container.")
        kind = .object
    }

    /// Makes the node an array.
    func becomeArray() {
        precondition(kind == .empty || kind == .array, "Asked for an unkeyed container where a \(kind) container was already used; one value can only be one kind of container.")
        kind = .array
    }

    /// Stores a single value, replacing any before it (Foundation's single-value container allows
    /// one encode; a second one is a programming error there and simply wins here).
    func setSingle(_ value: JSONValue) {
        precondition(kind == .empty || kind == .single, "Encoded a single value where a \(kind) container was already used.")
        kind = .single
        single = value
    }

    /// Adds a member; a key encoded twice keeps its first position and its last value (the
    /// `JSONObject` rule), which is what re-encoding a field should mean.
    func set(_ key: String, _ entry: Entry) {
        members.append((key: key, entry: entry))
    }

    /// Appends an element.
    func append(_ entry: Entry) {
        elements.append(entry)
    }

    /// The finished value; an empty node is an empty object, as Foundation writes `{}`.
    var value: JSONValue {
        switch kind {
        case .empty:
            return .object(JSONObject())
        case .single:
            return single
        case .object:
            return .object(JSONObject(parsedMembers: members.map { (key: $0.key, value: $0.entry.value) }))
        case .array:
            return .array(elements.map(\.value))
        }
    }
}
