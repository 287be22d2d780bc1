import Foundation
import Testing

/// The README's "Your own worker" code is the example worker's source, which the build compiles and
/// EndToEndTests runs: a block that drifts from the file fails here.
@Suite("README examples")
struct ReadmeExampleTests {
    @Test("each README block headed `// ExampleX.swift` is that file of Examples/ExampleWorker, after its comment lines")
    func readmeMatchesExampleWorker() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n// ").dropFirst().compactMap { block -> (name: String, body: String)? in
            guard let end = block.range(of: "```"), let newline = block.firstIndex(of: "\n") else { return nil }
            let name = String(block[..<newline])
            guard name.hasPrefix("Example"), name.hasSuffix(".swift") else { return nil }
            return (name, String(block[block.index(after: newline)..<end.lowerBound]))
        }
        #expect(blocks.map(\.name).sorted() == ["ExampleJobs.swift", "ExampleWorker.swift"])
        for block in blocks {
            let file = try String(contentsOf: root.appendingPathComponent("Examples/ExampleWorker/" + block.name), encoding: .utf8)
            let code = file.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("//") }.joined(separator: "\n")
            #expect(code == block.body, "README's \(block.name) differs from Examples/ExampleWorker/\(block.name)")
        }
    }
}
