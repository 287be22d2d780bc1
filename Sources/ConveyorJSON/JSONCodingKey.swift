/// A coding key the JSON coder makes itself: array positions in coding paths (`items.2.name`, as
/// Foundation prints them) and the `super` key of inherited encodings.
struct JSONCodingKey: CodingKey, Sendable {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    /// The key of the element at `index` of an unkeyed container; Foundation spells it "Index N"
    /// in descriptions, but its `stringValue` is the bare number so joined paths read `items.2`.
    init(index: Int) {
        self.init(intValue: index)
    }

    /// The key `superEncoder()` and `superDecoder()` use, as in Foundation.
    static let `super` = JSONCodingKey(stringValue: "super")
}
