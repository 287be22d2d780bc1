/// The samples of a Prometheus text exposition, for tests that read a `/metrics` page: each sample
/// line `name{label="value",…} number` becomes a name, its labels and its value.
public struct PrometheusSamples: Sendable {
    /// One sample line.
    public struct Sample: Sendable, Equatable {
        /// The metric name, with any `_bucket`, `_sum` or `_count` suffix.
        public let name: String
        /// The labels, unescaped.
        public let labels: [String: String]
        /// The value.
        public let value: Double
    }

    /// Every sample, in page order.
    public let samples: [Sample]

    /// Parses `text`; comment lines and lines that are not samples are skipped.
    public init(_ text: String) {
        samples = text.split(separator: "\n").compactMap(Self.sample)
    }

    /// The value of the sample named `name` whose labels include `labels`; nil when there is none.
    /// With several matches, their sum (e.g. a counter over every queue).
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    /// Whether any sample is named `name`.
    public func contains(_ name: String) -> Bool {
        samples.contains { $0.name == name }
    }

    private static func sample(_ line: Substring) -> Sample? {
        guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: brace)...].dropLast()  // without the closing brace
        while let equals = rest.firstIndex(of: "=") {
            let key = String(rest[..<equals].drop { $0 == "," })
            rest = rest[rest.index(equals, offsetBy: 2)...]  // past ="
            var value = ""
            var isEscaped = false
            var index = rest.startIndex
            while index < rest.endIndex {
                let character = rest[index]
                index = rest.index(after: index)
                if isEscaped {
                    value.append(character == "n" ? "\n" : character)
                    isEscaped = false
                } else if character == "\\" {
                    isEscaped = true
                } else if character == "\"" {
                    break
                } else {
                    value.append(character)
                }
            }
            labels[key] = value
            rest = rest[index...]
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }
}
