import Conveyor
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation

/// Real Ruby and real Sidekiq for the interoperability tests: the Ruby scripts in
/// `Tests/Fixtures/sidekiq/` run with Debian's `ruby` and `ruby-sidekiq` (`scripts/install-deps --ruby`).
enum SidekiqFixtures {
    /// Why the Sidekiq tests cannot run here, or `nil` when `ruby`, the sidekiq gem and the `sidekiq`
    /// server binary are all present.
    static let missingReason: String? = {
        guard let ruby = try? locate("ruby") else {
            return "ruby is not installed; run scripts/install-deps --ruby"
        }
        guard (try? locate("sidekiq")) != nil else {
            return "the sidekiq server binary is not installed; run scripts/install-deps --ruby"
        }
        guard let check = try? ChildProcess(ruby, ["-e", "require 'sidekiq'"]), check.waitForExit(timeout: 30) else {
            return "ruby could not be run, or did not answer within 30 s"
        }
        return check.exitCode == 0 ? nil : "ruby cannot load the sidekiq gem; run scripts/install-deps --ruby"
    }()

    /// Whether the Sidekiq tests can run.
    static var isAvailable: Bool { missingReason == nil }

    /// `Tests/Fixtures/sidekiq`, found from this file's path so the tests run from any directory.
    static var directory: String {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Fixtures/sidekiq").path
    }

    /// Runs one fixture script to completion and parses the JSON it prints.
    static func ruby(_ script: String, _ arguments: [String], redisURL: String) async throws -> JSONValue {
        let process = try ChildProcess(try locate("ruby"), ["\(directory)/\(script)"] + arguments, environment: ["REDIS_URL": redisURL])
        let result = await CommandLine.finish(process)
        guard result.status == 0 else {
            throw TestKitError("ruby \(script) \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)")
        }
        do {
            return try JSONValue.parse(result.output)
        } catch {
            throw TestKitError("ruby \(script) printed something that is not JSON (\(error)): \(result.output)")
        }
    }

    /// The jids a `client.rb` command printed.
    static func push(_ arguments: [String], redisURL: String) async throws -> [String] {
        try await ruby("client.rb", arguments, redisURL: redisURL).arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Starts a real `sidekiq` server with the Ruby jobs of `worker.rb`; stop it with SIGTERM.
    /// A 2-second shutdown timeout keeps the tests quick.
    static func startServer(redisURL: String, queues: [String] = [Job.defaultQueue], concurrency: Int = 5) throws -> ChildProcess {
        let queueArguments = queues.flatMap { ["-q", $0] }
        return try ChildProcess(
            try locate("sidekiq"),
            ["-r", "\(directory)/worker.rb", "-c", "\(concurrency)", "-t", "2"] + queueArguments,
            environment: ["REDIS_URL": redisURL, "RAILS_ENV": "test", "APP_ENV": "test"]
        )
    }

    private static func locate(_ program: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/local/bin", "/usr/bin"] {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestKitError("\(program) is not installed; run scripts/install-deps --ruby")
    }
}

extension JSONValue {
    /// The member `key`, if this is an object: for reading what the Ruby scripts print.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}
