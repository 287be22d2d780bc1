/// The table of outcomes, as aligned text for the terminal and as Markdown for the README.
struct ChaosReport {
    let outcomes: [ScenarioOutcome]
    let meanings: [String: String]
    let command: String

    private static let header = ["scenario", "jobs pushed", "jobs lost", "duplicate runs seen", "seconds to recover", "result"]

    private var rows: [[String]] {
        outcomes.map { outcome in
            [
                outcome.name, "\(outcome.pushed)", "\(outcome.lost)", "\(outcome.duplicates)",
                outcome.recoverySeconds.map { String(format: "%.2f", $0) } ?? "-",
                outcome.passed ? "PASS" : "FAIL",
            ]
        }
    }

    /// Aligned columns, then each scenario's notes and failures.
    func text() -> String {
        let all = [Self.header] + rows
        let widths = Self.header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        var lines = all.map { row in
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
        lines.append("")
        lines += details().map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// A Markdown table with the command that produced it and the notes.
    func markdown() -> String {
        var lines = ["| " + Self.header.joined(separator: " | ") + " |", "|---|---:|---:|---:|---:|---|"]
        lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
        lines += ["", "Command: `\(command)`", ""]
        lines += details().map { "- " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    private func details() -> [String] {
        outcomes.flatMap { outcome in
            var lines = ["\(outcome.name): seconds to recover = \(meanings[outcome.name] ?? "-")."]
            lines += outcome.notes.map { "\(outcome.name): \($0)" }
            lines += outcome.failures.map { "\(outcome.name): FAILED: \($0)" }
            return lines
        }
    }
}
