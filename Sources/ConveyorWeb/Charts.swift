import Conveyor

/// The overview's charts as inline SVG: no script library, no image request.
enum Charts {
    /// Bars of processed (blue) and failed (red) per day, oldest left, with the busiest day's count.
    static func history(_ days: [DailyCount]) -> String {
        let width = 600.0, height = 160.0, bottom = 18.0
        let maximum = max(1, days.map { max($0.processed, $0.failed) }.max() ?? 1)
        let slot = width / Double(max(1, days.count))
        var bars = ""
        for (index, day) in days.enumerated() {
            let x = Double(index) * slot
            let processed = Double(day.processed) / Double(maximum) * (height - bottom - 12)
            let failed = Double(day.failed) / Double(maximum) * (height - bottom - 12)
            bars += "<rect x=\"\(fixed(x + slot * 0.1))\" y=\"\(fixed(height - bottom - processed))\" width=\"\(fixed(slot * 0.45))\" height=\"\(fixed(processed))\" fill=\"#2d5bd8\"><title>\(HTML.escape(day.day)): \(day.processed) processed</title></rect>"
            bars += "<rect x=\"\(fixed(x + slot * 0.5))\" y=\"\(fixed(height - bottom - failed))\" width=\"\(fixed(slot * 0.4))\" height=\"\(fixed(failed))\" fill=\"#e5484d\"><title>\(HTML.escape(day.day)): \(day.failed) failed</title></rect>"
        }
        let first = days.first.map { HTML.escape($0.day) } ?? "", last = days.last.map { HTML.escape($0.day) } ?? ""
        return """
        <div class="legend">busiest day: \(HTML.count(maximum))</div>\
        <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" preserveAspectRatio="none" role="img" aria-label="Processed and failed jobs per day">\
        <line x1="0" y1="\(height - bottom)" x2="\(width)" y2="\(height - bottom)" stroke="#d0d5dd"/>\(bars)</svg>\
        <div class="axis"><span>\(first)</span><span>\(last)</span></div>
        """
    }

    /// The live chart's frame; the page's script fills its two lines from `stats.json`.
    static func live(statsURL: String) -> String {
        """
        <div class="legend">scale: <span id="live-max">waiting for data…</span></div>\
        <svg class="chart" id="live" data-url="\(HTML.escape(statsURL))" viewBox="0 0 600 150" preserveAspectRatio="none" role="img" aria-label="Jobs processed and failed per poll">\
        <line x1="0" y1="150" x2="600" y2="150" stroke="#d0d5dd"/>\
        <polyline id="live-processed" fill="none" stroke="#2d5bd8" stroke-width="2" vector-effect="non-scaling-stroke" points=""/>\
        <polyline id="live-failed" fill="none" stroke="#e5484d" stroke-width="2" vector-effect="non-scaling-stroke" points=""/></svg>
        """
    }

    static func fixed(_ value: Double) -> String {
        String(Double(Int(value * 10)) / 10)
    }
}
