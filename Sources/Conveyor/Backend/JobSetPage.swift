/// One page of a sorted set's entries, and how many entries the whole set holds, so a listing can
/// say "101–200 of 2,345" and ask for the next page by offset.
public struct JobSetPage: Sendable, Equatable {
    /// The entries, lowest score (soonest or oldest) first.
    public let entries: [JobSetEntry]
    /// The position of the first entry in the whole set, from 0.
    public let offset: Int
    /// How many entries the whole set holds.
    public let total: Int

    /// Creates a page.
    public init(entries: [JobSetEntry], offset: Int, total: Int) {
        self.entries = entries
        self.offset = offset
        self.total = total
    }
}
