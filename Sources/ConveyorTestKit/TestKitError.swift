/// A failure in the test kit itself, or a conformance check that did not hold.
public struct TestKitError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}
