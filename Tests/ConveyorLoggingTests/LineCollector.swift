import ConveyorLogging
import Synchronization

/// A ``LogOutput`` that keeps every line written to it.
final class LineCollector: Sendable {
    private let lines = Mutex<[[UInt8]]>([])

    var output: LogOutput {
        LogOutput { line in self.lines.withLock { $0.append(line) } }
    }

    /// Everything written, in order.
    var written: [[UInt8]] { lines.withLock { $0 } }

    /// Everything written, as one text.
    var text: String { String(decoding: written.joined(), as: UTF8.self) }
}
