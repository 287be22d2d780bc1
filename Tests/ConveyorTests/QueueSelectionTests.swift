import Conveyor
import Testing

@Suite("Queue selection")
struct QueueSelectionTests {
    @Test("no --queue means the default queue")
    func defaultQueue() throws {
        let selection = try QueueSelection(parsing: [])
        #expect(selection.names == ["default"])
        #expect(!selection.isWeighted)
    }

    @Test("queues without weights keep strict order")
    func strict() throws {
        let selection = try QueueSelection(parsing: ["critical", "default", "low"])
        #expect(!selection.isWeighted)
        for _ in 0..<20 { #expect(selection.nextOrder() == ["critical", "default", "low"]) }
    }

    @Test("weights decide how often a queue comes first")
    func weighted() throws {
        let selection = try QueueSelection(parsing: ["critical,3", "default"])
        #expect(selection.isWeighted)
        var firsts: [String: Int] = [:]
        for _ in 0..<4000 {
            let order = selection.nextOrder()
            #expect(Set(order) == ["critical", "default"])
            firsts[order[0], default: 0] += 1
        }
        // Expected 3:1, i.e. 3000 vs 1000; allow for randomness.
        #expect((2700...3300).contains(firsts["critical"] ?? 0))
    }

    @Test("bad specifications are refused with a hint", arguments: [",3", "a,0", "a,x", "a,1,2"])
    func bad(specification: String) {
        #expect(throws: QueueSelectionError.self) { try QueueSelection(parsing: [specification]) }
    }

    @Test("a queue listed twice is refused")
    func duplicate() {
        #expect(throws: QueueSelectionError.duplicate("a")) { try QueueSelection(parsing: ["a", "a,2"]) }
    }
}
