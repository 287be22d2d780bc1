#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error, drawn only on a terminal so logs and pipes stay clean.
struct ProgressBar {
    let total: Int
    let label: String
    private let isEnabled: Bool
    private let startedAt: Double
    private var lastDrawn = -1.0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        // Small pushes finish before a bar would be readable.
        isEnabled = isStandardErrorTerminal && total >= 5000
        startedAt = Self.now()
    }

    mutating func update(_ done: Int) {
        guard isEnabled else { return }
        let now = Self.now()
        guard done == total || now - lastDrawn >= 0.1 else { return }
        lastDrawn = now
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let rate = Double(done) / max(now - startedAt, 0.001)
        writeStandardError("\r\(label) [\(bar)] \(done)/\(total) \(Int(fraction * 100))% \(Int(rate)) jobs/s")
    }

    func finish() {
        guard isEnabled else { return }
        writeStandardError("\n")
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
