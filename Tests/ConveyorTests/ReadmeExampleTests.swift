import Foundation
import Testing

/// Every README Swift block headed by a path comment (`// Examples/…/X.swift`, `// Tests/…/X.swift`) is
/// that file, which the build compiles (and the tests run): a block that drifts from its file fails here.
@Suite("README examples")
struct ReadmeExampleTests {
    @Test("each README block headed by a path is that file, after the file's own comment lines")
    func readmeBlocksAreCompiledFiles() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n// ").dropFirst().compactMap { block -> (path: String, body: String)? in
            guard let end = block.range(of: "```"), let newline = block.firstIndex(of: "\n") else { return nil }
            let path = String(block[..<newline])
            guard path.hasPrefix("Examples/") || path.hasPrefix("Tests/"), path.hasSuffix(".swift") else { return nil }
            return (path, String(block[block.index(after: newline)..<end.lowerBound]))
        }
        #expect(blocks.map(\.path).sorted() == [
            "Examples/DashboardExample/DashboardApp.swift", "Examples/ExampleWorker/ExampleJobs.swift", "Examples/ExampleWorker/ExampleWorker.swift", "Examples/HummingbirdExample/ExampleApp.swift",
            "Examples/ImageWorker/ActiveJobs.swift", "Examples/ImageWorker/ImageWorker.swift", "Tests/ConveyorTests/GreetUserTests.swift",
        ])
        for block in blocks {
            let file = try String(contentsOf: root.appendingPathComponent(block.path), encoding: .utf8)
            let code = file.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("//") }.joined(separator: "\n")
            #expect(code == block.body, "README's block for \(block.path) differs from the file")
        }
    }
}
