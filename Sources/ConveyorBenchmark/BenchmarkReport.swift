import Foundation

/// One measured figure: its samples, their median and spread, and the settings it was measured with.
struct Figure: Codable {
    let name: String
    let unit: String
    let settings: String
    let samples: [Double]

    var median: Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    var minimum: Double { samples.min() ?? 0 }
    var maximum: Double { samples.max() ?? 0 }

    enum CodingKeys: String, CodingKey { case name, unit, settings, samples, median, minimum, maximum }

    init(name: String, unit: String, settings: String, samples: [Double]) {
        self.name = name
        self.unit = unit
        self.settings = settings
        self.samples = samples
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        unit = try container.decode(String.self, forKey: .unit)
        settings = try container.decode(String.self, forKey: .settings)
        samples = try container.decode([Double].self, forKey: .samples)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(settings, forKey: .settings)
        try container.encode(samples, forKey: .samples)
        try container.encode(median, forKey: .median)
        try container.encode(minimum, forKey: .minimum)
        try container.encode(maximum, forKey: .maximum)
    }
}

/// All figures of one run of the tool, as a table and as JSON.
struct BenchmarkReport: Codable {
    let machine: String
    let redisVersion: String
    var figures: [Figure] = []

    init(machine: String, redisVersion: String) {
        self.machine = machine
        self.redisVersion = redisVersion
    }

    func table() -> String {
        let header = ["figure", "median", "min", "max", "unit", "settings"]
        let rows = figures.map { figure in
            [figure.name, Self.format(figure.median), Self.format(figure.minimum), Self.format(figure.maximum), figure.unit, figure.settings]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        let separator = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return (["machine: \(machine); redis-server \(redisVersion)", "", line(header), separator] + rows.map(line)).joined(separator: "\n")
    }

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    static func format(_ value: Double) -> String {
        if value >= 1000 { return String(Int(value.rounded())) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }

    static func describeMachine() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let model = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cores) cores, \(model)"
    }
}
