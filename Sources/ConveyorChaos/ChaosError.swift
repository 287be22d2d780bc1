/// A scenario that could not run or whose expectation did not hold.
struct ChaosError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
