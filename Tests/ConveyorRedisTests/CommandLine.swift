import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation

/// Runs the built `conveyor` and `conveyor-worker` executables as real processes.
enum CommandLine {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Where the executables are: `CONVEYOR_BIN_DIR` (set by scripts/test), else `.build/debug`.
    static var binaryDirectory: String {
        if let directory = ProcessInfo.processInfo.environment["CONVEYOR_BIN_DIR"], !directory.isEmpty { return directory }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug").path
    }

    static func path(_ program: String) -> String { binaryDirectory + "/" + program }

    /// Starts a program with `REDIS_URL` set (unset when empty); the caller finishes or signals it.
    static func start(_ program: String, _ arguments: [String], redisURL: String, input: Data? = nil) throws -> ChildProcess {
        try ChildProcess(path(program), arguments, environment: ["REDIS_URL": redisURL], input: input.map(Array.init))
    }

    /// Runs a program to completion and collects its output.
    static func run(_ program: String, _ arguments: [String], redisURL: String, input: Data? = nil) async throws -> Result {
        await finish(try start(program, arguments, redisURL: redisURL, input: input))
    }

    /// Waits for a started program on a helper thread, never blocking the cooperative pool.
    static func finish(_ process: ChildProcess) async -> Result {
        let (status, output, errors) = await process.finish()
        return Result(status: status, output: output, errors: errors)
    }
}
