import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Prints `error: message` to standard error and exits non-zero: for failures that are not argument
/// mistakes (those ArgumentParser reports with usage).
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }

    static func exit(_ error: any Error) -> Never {
        var standardError = StandardError()
        print("error: \(error)", to: &standardError)
        Glibc.exit(1)
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
