/// How log lines are written.
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's own `StreamLogHandler` lines, for people reading a terminal:
    /// `2026-12-01T05:40:00+0000 info conveyor.worker: jid=… [Conveyor] Job failed.`
    case text
    /// One JSON object per line (``JSONLogHandler``), for log collectors.
    case json
}
