import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient

/// Shared plumbing: Redis access, a fresh namespace per run, process spawning, CPU accounting.
struct BenchmarkEnvironment: Sendable {
    let configuration: RedisConfiguration
    let binaryDirectory: String

    var redisURL: String {
        // The URL form the executables accept; credentials and TLS files come back from the configuration.
        var url = configuration.displayAddress
        if let password = configuration.password {
            let user = configuration.username ?? ""
            url = url.replacingOccurrences(of: "://", with: "://\(user):\(password)@")
        }
        if let tls = configuration.tls {
            let parameters = [("cacert", tls.caCertificatePath), ("cert", tls.certificatePath), ("key", tls.privateKeyPath),
                              ("insecure", tls.verifiesServer ? nil : "true")]
            let query = parameters.compactMap { name, value in value.map { "\(name)=\($0)" } }.joined(separator: "&")
            if !query.isEmpty { url += "?" + query }
        }
        return url
    }

    func checkReachable() async throws {
        let client = RedisClient(configuration: configuration)
        let outcome = await Self.capture { try await client.connect() }
        await client.close()
        try outcome.get()
    }

    func redisVersion() async throws -> String {
        let client = RedisClient(configuration: configuration)
        let outcome = await Self.capture { try await client.send("INFO", "server").string ?? "" }
        await client.close()
        let info = try outcome.get()
        return info.split(separator: "\r\n").first { $0.hasPrefix("redis_version:") }.map { String($0.dropFirst(14)) } ?? "?"
    }

    /// The outcome of async work as a value, so the client can be closed before it is looked at.
    private static func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// A backend on a namespace of its own, deleted by `cleanUp`.
    func makeBackend(label: String) -> (RedisBackend, String) {
        let namespace = "bench-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        return (RedisBackend(client: RedisClient(configuration: configuration), namespace: namespace), namespace)
    }

    func cleanUp(_ backend: RedisBackend, namespace: String) async throws {
        var cursor = "0"
        repeat {
            let reply = try await backend.client.send("SCAN", cursor, "MATCH", "\(namespace):*", "COUNT", 1000).array ?? []
            cursor = reply.first?.string ?? "0"
            let keys = reply.count > 1 ? (reply[1].array ?? []).compactMap(\.bytes) : []
            if !keys.isEmpty { try await backend.client.send(RedisCommand("UNLINK", arguments: keys)) }
        } while cursor != "0"
        await backend.client.close()
    }

    /// Fills a queue with `count` jobs made by `makeJob`, 10,000 per bulk push, before a figure's clock starts.
    func prefill(_ backend: RedisBackend, count: Int, _ makeJob: () -> Job) async throws {
        let producer = Producer(backend: backend)
        var pushed = 0
        while pushed < count {
            let chunk = min(10_000, count - pushed)
            try await producer.pushBulk((0..<chunk).map { _ in makeJob() })
            pushed += chunk
        }
    }

    /// redis-server's CPU seconds so far (user + system), from `INFO cpu`.
    func redisCPUSeconds(_ client: RedisClient) async throws -> Double {
        let info = try await client.send("INFO", "cpu").string ?? ""
        var total = 0.0
        for line in info.split(separator: "\r\n") where line.hasPrefix("used_cpu_sys:") || line.hasPrefix("used_cpu_user:") {
            total += Double(line.split(separator: ":")[1]) ?? 0
        }
        return total
    }

    func start(_ program: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(binaryDirectory + "/" + program, arguments, environment: ["REDIS_URL": redisURL])
    }

    /// Polls until `condition` holds, failing after `timeout` seconds.
    func waitUntil(timeout: Double, _ what: String, interval: Duration = .milliseconds(1), _ condition: () async throws -> Bool) async throws {
        let deadline = MonotonicClock.now() + timeout
        while try await !condition() {
            guard MonotonicClock.now() < deadline else { throw BenchmarkError("\(what) did not happen within \(Int(timeout)) s") }
            try await Task.sleep(for: interval)
        }
    }
}
