import Foundation

/// How busy the whole machine's cores were over a stretch of time, from `/proc/stat`: shows whether
/// a figure was bound by CPU (every core busy) or by waiting (cores idle while jobs were in flight).
struct MachineLoad {
    /// The cores `/proc/stat` counts (its `cpuN` lines): the machine's, whatever this process may use.
    let cores: Int
    private let busy: Double
    private let total: Double

    /// The counters now; nil where `/proc/stat` cannot be read (not Linux).
    init?() {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        guard let line = lines.first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        // user nice system idle iowait irq softirq steal: idle and iowait are the idle time.
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard ticks.count == 8 else { return nil }
        cores = lines.count { $0.hasPrefix("cpu") && $0.dropFirst(3).first?.isNumber == true }
        total = ticks.reduce(0, +)
        busy = total - ticks[3] - ticks[4]
    }

    /// The cores busy on average from `earlier` until now; nil when either reading is unavailable.
    static func coresBusy(since earlier: MachineLoad?) -> Double? {
        earlier.flatMap { earlier in MachineLoad()?.coresBusy(since: earlier) }
    }

    /// The cores busy on average since `earlier`, of ``cores``.
    func coresBusy(since earlier: MachineLoad) -> Double {
        let elapsed = total - earlier.total
        guard elapsed > 0 else { return 0 }
        return (busy - earlier.busy) / elapsed * Double(cores)
    }
}
