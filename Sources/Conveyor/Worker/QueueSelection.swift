/// Which queues a worker serves and in which order it checks them, as in Sidekiq.
///
/// - Strict (no weights given): always in the listed order, so `critical` drains before `default`.
/// - Weighted (`--queue critical,3 --queue default`): each fetch draws a random order in which a queue
///   of weight 3 comes first three times as often as one of weight 1, so no queue starves.
public struct QueueSelection: Sendable, Equatable {
    /// One queue and its weight.
    public struct Entry: Sendable, Equatable {
        /// The queue name.
        public let name: String
        /// Its weight; 1 unless given.
        public let weight: Int
    }

    /// The queues in the order given.
    public let entries: [Entry]
    /// Whether any weight was given, which switches from strict to weighted order.
    public let isWeighted: Bool

    /// Serves the queues in strict order.
    public init(strict names: [String]) {
        entries = names.map { Entry(name: $0, weight: 1) }
        isWeighted = false
    }

    /// Parses Sidekiq-style specifications such as `critical,3` or `default`; an empty list means the
    /// `default` queue. Throws a message saying what is wrong with a specification.
    public init(parsing specifications: [String]) throws(QueueSelectionError) {
        var parsed: [Entry] = []
        var sawWeight = false
        for specification in specifications {
            let parts = specification.split(separator: ",", omittingEmptySubsequences: false)
            let name = parts[0].trimmingSpaces()
            guard !name.isEmpty else { throw .emptyName(specification) }
            do {
                try QueueName.check(name)
            } catch {
                throw .badName(error)
            }
            var weight = 1
            if parts.count == 2 {
                guard let number = Int(parts[1].trimmingSpaces()), number >= 1 else {
                    throw .badWeight(specification)
                }
                weight = number
                sawWeight = true
            } else if parts.count > 2 {
                throw .badWeight(specification)
            }
            guard !parsed.contains(where: { $0.name == name }) else { throw .duplicate(name) }
            parsed.append(Entry(name: name, weight: weight))
        }
        if parsed.isEmpty { parsed = [Entry(name: Job.defaultQueue, weight: 1)] }
        entries = parsed
        isWeighted = sawWeight
    }

    /// The queue names, in the order given.
    public var names: [String] { entries.map(\.name) }

    /// The order to check queues in for the next fetch.
    public func nextOrder() -> [String] {
        guard isWeighted, entries.count > 1 else { return names }
        // Weighted shuffle: repeatedly draw a remaining queue with probability proportional to weight.
        var remaining = entries
        var order: [String] = []
        order.reserveCapacity(entries.count)
        while !remaining.isEmpty {
            let total = remaining.reduce(0) { $0 + $1.weight }
            var draw = Int.random(in: 0..<total)
            let index = remaining.firstIndex { entry in
                draw -= entry.weight
                return draw < 0
            }!
            order.append(remaining.remove(at: index).name)
        }
        return order
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
