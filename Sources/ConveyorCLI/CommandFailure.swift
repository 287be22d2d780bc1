import ArgumentParser
import RedisClient
#if canImport(Glibc)
import Glibc
#endif

/// Prints `error: message` to standard error and exits non-zero, without the usage that ArgumentParser
/// prints for a bad flag.
///
/// Exit codes, as the README promises: 64 (`EX_USAGE`) when the user's input is wrong (bad args JSON,
/// a bad push file, a bad Redis URL) and running again unchanged cannot help; 1 for runtime failures
/// (Redis unreachable, a wrong password, an unknown jid or a dead worker).
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    /// The process's exit status.
    var exitCode: Int32 = 1
    var description: String { message }

    /// `EX_USAGE` from sysexits.h.
    static let usageExitCode: Int32 = 64

    /// A mistake in the user's input: exits 64.
    static func usage(_ message: String) -> CommandFailure {
        CommandFailure(message: message, exitCode: usageExitCode)
    }

    static func exit(_ error: any Error) -> Never {
        var standardError = StandardError()
        print("error: \(ErrorAdvice.message(for: error))", to: &standardError)
        Glibc.exit(exitCode(for: error))
    }

    /// 64 for input mistakes (including a bad URL in `REDIS_URL`), 1 for everything else.
    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let failure as CommandFailure: return failure.exitCode
        case is JobFile.LineError: return usageExitCode
        case let error as RedisError:
            if case .invalidURL = error { return usageExitCode }
            return 1
        default: return 1
        }
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        writeStandardError(string)
    }
}

/// Whether standard error is a terminal, which decides whether progress is drawn.
var isStandardErrorTerminal: Bool { isatty(STDERR_FILENO) != 0 }

/// Writes text to file descriptor 2 (Glibc's `stderr` global is not concurrency-safe in Swift 6).
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
