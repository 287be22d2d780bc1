import ConveyorRedisTestKit
import Foundation
import RedisClient

/// What TLS costs: the enqueue figures and the process figure measured against two private
/// redis-servers started alike, one plain and one TLS-only (a throwaway CA made with `openssl`),
/// in the same run, alternating which goes first, each TLS figure printed beside its plain twin
/// with the ratio of the medians.
struct TLSBenchmark {
    let binaryDirectory: String
    let enqueueJobs: Int
    let processJobs: Int
    let pushConcurrency: Int
    let concurrency: Int
    let runs: Int

    func run() async throws -> [Figure] {
        let certificates = try await TLSTestCertificates.shared()
        let plainServer = try await RedisTestServer.start()
        let tlsServer = try await RedisTestServer.startTLS(certificates: certificates)
        defer {
            plainServer.stopInBackground()
            tlsServer.stopInBackground()
        }
        let plain = BenchmarkEnvironment(configuration: try RedisConfiguration(url: plainServer.url), binaryDirectory: binaryDirectory)
        let tls = BenchmarkEnvironment(configuration: try RedisConfiguration(url: tlsServer.url), binaryDirectory: binaryDirectory)
        var samples: [String: (plain: [Double], tls: [Double])] = [:]
        var order: [String] = []
        var details: [String: (unit: String, settings: String)] = [:]
        for index in 0..<runs {
            for isTLS in index % 2 == 0 ? [false, true] : [true, false] {
                let bench = isTLS ? tls : plain
                let figures = try await EnqueueBenchmark(bench: bench, jobs: enqueueJobs, concurrency: pushConcurrency, runs: 1).run()
                    + ProcessBenchmark(bench: bench, jobs: processJobs, concurrency: concurrency, runs: 1).run()
                for figure in figures {
                    if samples[figure.name] == nil { order.append(figure.name) }
                    details[figure.name] = (figure.unit, figure.settings)
                    if isTLS { samples[figure.name, default: ([], [])].tls += figure.samples } else { samples[figure.name, default: ([], [])].plain += figure.samples }
                }
            }
        }
        return order.flatMap { name -> [Figure] in
            let (unit, settings) = details[name]!
            let plainFigure = Figure(name: "tls: \(name), plain", unit: unit, settings: settings + ", private plain server", samples: samples[name]!.plain)
            let tlsFigure = Figure(name: "tls: \(name), TLS", unit: unit, settings: settings + ", private TLS server, TLS 1.3 verified", samples: samples[name]!.tls)
            let ratio = plainFigure.median > 0 ? tlsFigure.median / plainFigure.median : 0
            let ratioFigure = Figure(name: "tls: \(name), TLS / plain", unit: "ratio of medians", settings: "1.00 costs nothing; rates below 1 are slower, CPU above 1 costs more", samples: [ratio])
            return [plainFigure, tlsFigure, ratioFigure]
        }
    }
}
