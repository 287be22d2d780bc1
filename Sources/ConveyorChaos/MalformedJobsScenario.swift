import ConveyorSupport
import Conveyor
import ConveyorRedis
import RedisClient

/// Good jobs mixed with malformed payloads pushed raw with LPUSH: the good ones run (one of them a
/// valid 10 MB job), each bad one lands in the dead or retry set with an `error_message` that says
/// what is wrong, and the worker stays up.
struct MalformedJobsScenario: ChaosScenario {
    var goodJobs = 1000
    let name = "malformed payloads"
    let recoveryMeaning = "from the raw LPUSH to every job run or settled in the retry or dead set"

    /// One kind of malformed payload: how to write it, where it must land and what its message must say.
    private struct Kind: Sendable {
        let label: String
        let count: Int
        let expectedSet: JobSet
        let expectedMessage: String
        let payload: @Sendable (String) -> String
    }

    private static let tenMegabytes = String(repeating: "x", count: 10 * 1024 * 1024)

    private static let kinds: [Kind] = [
        Kind(label: "invalid JSON", count: 25, expectedSet: .dead, expectedMessage: "not valid JSON") { marker in
            #"{"class":"Record","args":["recorded"],"jid":"\#(marker)","#
        },
        Kind(label: "args not an array", count: 20, expectedSet: .dead, expectedMessage: #"The job payload's "args" field must be an array"#) { marker in
            #"{"class":"Record","args":"recorded","jid":"\#(marker)"}"#
        },
        Kind(label: "missing class", count: 20, expectedSet: .dead, expectedMessage: #"The job payload's "class" field must be"#) { marker in
            #"{"args":["recorded"],"jid":"\#(marker)"}"#
        },
        Kind(label: "not an object", count: 14, expectedSet: .dead, expectedMessage: "JSON but not an object") { marker in
            #"["\#(marker)"]"#
        },
        Kind(label: "unknown class", count: 20, expectedSet: .retry, expectedMessage: "No handler is registered for job class 'NoSuchJob'") { marker in
            #"{"class":"NoSuchJob","args":[],"jid":"\#(marker)","retry":true}"#
        },
        Kind(label: "10 MB invalid JSON", count: 1, expectedSet: .dead, expectedMessage: "not valid JSON") { marker in
            #"{"class":"Record","args":["recorded"],"jid":"\#(marker)","padding":"\#(tenMegabytes)"#
        },
    ]

    func run(in environment: ChaosEnvironment) async throws -> ScenarioOutcome {
        try await environment.withRedis { redis, backend in
            var outcome = ScenarioOutcome(name: name)
            let key = "recorded"
            var good = ChaosEnvironment.recordJobs(goodJobs - 1, key: key)
            var huge = Job(className: "Record", args: [.string(key)])
            huge.fields["padding"] = .string(Self.tenMegabytes)
            good.append(huge)
            var payloads: [[UInt8]] = good.map { $0.serialized() }
            var bad: [(marker: String, kind: Kind)] = []
            for kind in Self.kinds {
                for index in 0..<kind.count {
                    let marker = "bad-\(kind.label.replacingOccurrences(of: " ", with: "-"))-\(index)"
                    bad.append((marker, kind))
                    payloads.append(Array(kind.payload(marker).utf8))
                }
            }
            payloads.shuffle()
            outcome.pushed = payloads.count
            let worker = try environment.start("conveyor-worker", ["--concurrency", "20", "--log-level", "error"], redis: redis)
            let pushedAt = MonotonicClock.now()
            let queue = backend.keys.queue(Job.defaultQueue)
            for start in stride(from: 0, to: payloads.count, by: 100) {
                let chunk = payloads[start..<min(start + 100, payloads.count)]
                _ = try await redis.client.send(RedisCommand(rawArguments: [Array("LPUSH".utf8), Array(queue.utf8)] + chunk))
            }
            let expectedDead = bad.filter { $0.kind.expectedSet == .dead }.count
            let expectedRetries = bad.count - expectedDead
            try await environment.waitUntil("every job run or settled", timeout: 90) {
                let statistics = try await backend.statistics()
                let recorded = try await redis.client.send("SCARD", key).integer ?? 0
                return recorded >= good.count && statistics.dead >= expectedDead && statistics.retries >= expectedRetries
                    && statistics.enqueued == 0 && statistics.inProgress == 0
            }
            outcome.recoverySeconds = MonotonicClock.now() - pushedAt
            outcome.expect(worker.isRunning, "the worker exited on a malformed payload")
            let beatPIDs = try await ChaosEnvironment.heartbeatPIDs(backend)
            outcome.expect(beatPIDs == [Int(worker.pid)], "the heartbeat names pids \(beatPIDs), expected only \(worker.pid)")

            let status = try await environment.stop(worker)
            outcome.expect(status == 0, "the worker exited with \(status) on SIGTERM")
            let log = await worker.finish().errors.split(separator: "\n")

            // Each bad payload, found by its marker, must sit in its set with the message for its kind. A
            // payload that is not JSON is kept in the dead set byte for byte (as Sidekiq does), so it has no
            // `error_message`: its reason is the worker's error log line, which quotes the payload's start.
            var settled: [String: (set: JobSet, message: String)] = [:]
            for set in [JobSet.dead, .retry] {
                for member in (try await redis.client.send("ZRANGE", backend.keys.set(set), 0, -1).array ?? []).compactMap(\.bytes) {
                    guard let marker = Self.marker(in: member) else { continue }
                    if case .object(let fields)? = try? JSONValue.parse(member) {
                        settled[marker] = (set, fields["error_message"]?.stringValue ?? "(no error_message)")
                    } else {
                        let line = log.first { $0.contains(marker) }.map(String.init) ?? "(no log line names \(marker))"
                        settled[marker] = (set, line)
                    }
                }
            }
            var misplaced = 0
            for (marker, kind) in bad {
                guard let found = settled[marker] else {
                    misplaced += 1
                    outcome.failures.append("\(kind.label) \(marker): in neither the dead nor the retry set")
                    continue
                }
                if found.set != kind.expectedSet || !found.message.contains(kind.expectedMessage) {
                    misplaced += 1
                    outcome.failures.append("\(kind.label) \(marker): in \(found.set.rawValue) saying \"\(found.message.prefix(160))\"; expected \(kind.expectedSet.rawValue) saying \"\(kind.expectedMessage)\"")
                }
            }
            let tally = try await ChaosEnvironment.tally(redis.client, key: key, expected: good.map(\.jid))
            outcome.lost = tally.lost + misplaced
            outcome.duplicates = tally.duplicates
            outcome.notes.append("\(good.count) good jobs (one of 10 MB) and \(bad.count) bad: \(Self.kinds.map { "\($0.count) \($0.label) -> \($0.expectedSet.rawValue)" }.joined(separator: ", ")); every bad one found in its set with its message; the worker (pid \(worker.pid)) stayed up")
            return outcome
        }
    }

    /// The `bad-…` marker a payload carries, if any.
    private static func marker(in payload: [UInt8]) -> String? {
        let head = String(decoding: payload.prefix(200), as: UTF8.self)
        guard let start = head.range(of: "bad-") else { return nil }
        return String(head[start.lowerBound...].prefix { $0 != "\"" })
    }
}
