/// The one rule for queue names, shared by every entry point: `conveyor push --queue`, push files,
/// `Job` parsing, the ``Producer`` and `conveyor-worker --queue`.
///
/// A name any of them accepts must be one a worker can serve: `--queue` reads `NAME,WEIGHT` and trims
/// spaces, so a name with a comma or surrounding spaces could be pushed but never fetched.
public enum QueueName {
    /// Throws when `name` breaks the rule, saying which part.
    public static func check(_ name: String) throws(QueueNameError) {
        if name.isEmpty { throw QueueNameError(name: name, rule: "it is empty") }
        // Every job a worker runs passes here: printable ASCII without a comma or a space, nearly every
        // real name, is accepted from its bytes alone (Unicode property lookups cost microseconds).
        if name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") }) { return }
        if name.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw QueueNameError(name: name, rule: "it is only whitespace")
        }
        if name.utf8.contains(UInt8(ascii: ",")) {
            throw QueueNameError(name: name, rule: "it contains a comma, which a worker's queue list reads as NAME,WEIGHT, so no worker could serve it")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw QueueNameError(name: name, rule: "it contains a control character")
        }
        if name.unicodeScalars.first!.properties.isWhitespace || name.unicodeScalars.last!.properties.isWhitespace {
            throw QueueNameError(name: name, rule: "it starts or ends with whitespace, which a worker's queue list trims, so no worker could serve it")
        }
    }
}
