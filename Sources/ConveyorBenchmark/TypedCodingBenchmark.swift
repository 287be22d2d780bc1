import ConveyorSupport
import Conveyor
import Foundation

/// What a typed job costs to become a payload and back, in this process, without a backend: the
/// producer's `encodedArguments()` and the registry's `decode(from:)`, once each per job.
///
/// It also times the path typed jobs took before ConveyorJSON had a `Codable` coder, `JSONEncoder`
/// to bytes and the parser, then `serialized()` and `JSONDecoder`, written out here, so one run
/// shows both and the figure keeps its baseline after the old code is gone.
struct TypedCodingBenchmark {
    let jobs: Int
    let runs: Int

    /// A typed job the size of a real one: a nested struct, an array of them, optionals, a
    /// raw-value enum, a 64-bit identifier and a float.
    struct ShipOrder: JobParameters, Equatable {
        static let jobName = "ShipOrder"

        enum Carrier: String, Codable { case post, courier }

        struct Line: Codable, Equatable {
            let sku: String
            let quantity: Int
            let giftNote: String?
        }

        let orderID: UInt64
        let customer: String
        let lines: [Line]
        let carrier: Carrier
        let weight: Double
        let insurance: Double?
        let isExpress: Bool
    }

    static let sample = ShipOrder(
        orderID: 9_007_199_254_740_993,
        customer: "ada@example.com",
        lines: [
            ShipOrder.Line(sku: "A-100", quantity: 2, giftNote: nil),
            ShipOrder.Line(sku: "B-200", quantity: 1, giftNote: "Happy birthday"),
            ShipOrder.Line(sku: "C-300", quantity: 12, giftNote: nil),
        ],
        carrier: .courier,
        weight: 3.25,
        insurance: nil,
        isExpress: true
    )

    func run() throws -> [Figure] {
        let settings = "\(jobs) encodes and decodes of a ShipOrder (3 nested lines), in this process"
        var current: [Double] = []
        var foundation: [Double] = []
        // Interleaved, so both paths see the same machine (this VM's speed drifts between runs).
        for _ in 0..<runs {
            foundation.append(try measure(Self.foundationRoundTrip))
            current.append(try measure(Self.libraryRoundTrip))
        }
        return [
            Figure(name: "typed: encode+decode", unit: "jobs/s", settings: settings, samples: current),
            Figure(name: "typed: via JSONEncoder (old)", unit: "jobs/s", settings: settings, samples: foundation),
        ]
    }

    /// Jobs per second of `roundTrip`, checking the result so the work cannot be optimized away.
    private func measure(_ roundTrip: (ShipOrder) throws -> ShipOrder) throws -> Double {
        let started = MonotonicClock.now()
        for _ in 0..<jobs {
            guard try roundTrip(Self.sample) == Self.sample else {
                throw BenchmarkError("a typed job did not decode to the value it was encoded from")
            }
        }
        return Double(jobs) / (MonotonicClock.now() - started)
    }

    /// The library's path: the producer's and the registry's calls.
    private static func libraryRoundTrip(_ job: ShipOrder) throws -> ShipOrder {
        try ShipOrder.decode(from: job.encodedArguments())
    }

    /// The path before the JSON value coder: JSON text in both directions.
    private static func foundationRoundTrip(_ job: ShipOrder) throws -> ShipOrder {
        let args = [try JSONValue.parse(Array(JSONEncoder().encode(job)))]
        return try JSONDecoder().decode(ShipOrder.self, from: Data(args[0].serialized()))
    }
}
