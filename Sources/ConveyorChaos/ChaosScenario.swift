/// One fault-injection scenario: it starts its own redis-server and processes, injects its fault, and
/// checks every job by jid.
protocol ChaosScenario: Sendable {
    /// The short name shown in the table and accepted by `--only`.
    var name: String { get }
    /// What "seconds to recover" measures in this scenario.
    var recoveryMeaning: String { get }
    /// Runs the scenario; a thrown error counts as a failed scenario.
    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome
}

/// What a scenario saw.
struct ScenarioOutcome: Sendable {
    var name: String
    var pushed = 0
    /// Jobs that should have run (or landed in the retry or dead set) and did not. Must be 0.
    var lost = 0
    /// Runs beyond the first, summed over all jobs.
    var duplicates = 0
    var recoverySeconds: Double?
    /// Expectations that did not hold; empty when the scenario passed.
    var failures: [String] = []
    /// Facts worth printing under the table (what the fault hit, how recovery was made fast).
    var notes: [String] = []

    init(name: String) { self.name = name }

    var passed: Bool { lost == 0 && failures.isEmpty }

    /// Records a failed expectation unless `condition` holds.
    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { failures.append(message()) }
    }
}
