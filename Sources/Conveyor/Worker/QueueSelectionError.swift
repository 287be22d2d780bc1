/// A queue specification that cannot be used.
public enum QueueSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name part is empty.
    case emptyName(String)
    /// The weight is not a positive integer.
    case badWeight(String)
    /// The same queue was named twice.
    case duplicate(String)
    /// The name breaks the queue-name rule every entry point shares.
    case badName(QueueNameError)

    public var description: String {
        switch self {
        case .emptyName(let spec): "The queue '\(spec)' has no name; write it as NAME or NAME,WEIGHT, for example critical,3."
        case .badWeight(let spec): "The queue '\(spec)' has a bad weight; write NAME,WEIGHT with a whole number of at least 1, for example critical,3."
        case .duplicate(let name): "The queue '\(name)' is listed twice; list each queue once."
        case .badName(let error): error.description
        }
    }
}
