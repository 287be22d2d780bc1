/// A queue name that no worker could serve.
public struct QueueNameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The refused name.
    public let name: String
    /// The rule it breaks, in words.
    public let rule: String

    public var description: String {
        "The queue name \(LogText.quoted(name)) cannot be used: \(rule). Name queues with letters, digits and '-', '_' or '.', e.g. critical."
    }
}
