/// The fields of a query string or an `application/x-www-form-urlencoded` body, in order, with `+`
/// and `%XX` decoded; a name may repeat (`id=a&id=b` from a column of checkboxes).
struct FormFields: Sendable {
    /// Every name and value, in the order sent.
    let pairs: [(name: String, value: String)]

    /// Parses `name=value&…`; malformed escapes are kept as written.
    init(_ text: some StringProtocol) {
        pairs = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// The first value of a field.
    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of a field.
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// A non-negative integer field, or `fallback`.
    func integer(_ name: String, default fallback: Int) -> Int {
        self[name].flatMap { Int($0) }.map { max(0, $0) } ?? fallback
    }

    static func decode(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
