import Conveyor
#if canImport(Glibc)
import Glibc
#endif

/// Reads and validates a push file: one job JSON object per line (NDJSON). Every line is checked
/// before anything is pushed, so a bad line pushes nothing.
///
/// A line needs `class`; `args` defaults to `[]`, `queue` to the command's `--queue`, `jid` and
/// `created_at` are generated when absent, and every other field is kept as written. A leading UTF-8
/// byte order mark is skipped. A bad line is a usage error (exit 64).
enum JobFile {
    struct LineError: Error, CustomStringConvertible {
        let source: String
        let line: Int
        let reason: String
        var description: String { "\(source), line \(line): \(reason) Nothing was pushed." }
    }

    static func read(path: String, defaultQueue: String) throws -> [Job] {
        let source = path == "-" ? "standard input" : path
        let bytes = try readAll(path: path)
        var jobs: [Job] = []
        var lineNumber = 0
        // Editors on Windows start UTF-8 files with a byte order mark; it is not part of the JSON.
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            jobs.append(try job(from: line, defaultQueue: defaultQueue, source: source, line: lineNumber))
        }
        return jobs
    }

    private static func job(from line: ArraySlice<UInt8>, defaultQueue: String, source: String, line number: Int) throws -> Job {
        func failure(_ reason: String) -> LineError { LineError(source: source, line: number, reason: reason) }
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            throw failure("\(error)")
        }
        guard case .object(let fields) = value else {
            throw failure("a line must be a JSON object like {\"class\":\"HardJob\",\"args\":[1]}.")
        }
        do {
            let job = try Job(completing: fields, defaultQueue: defaultQueue)
            try job.validate()
            return job
        } catch {
            throw failure(error.description)
        }
    }

    private static func readAll(path: String) throws -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CommandFailure(message: "Cannot open the push file '\(path)': \(String(cString: strerror(errno))).")
        }
        defer { if path != "-" { close(descriptor) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure(message: "Cannot read the push file '\(path)': \(String(cString: strerror(errno))).")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }
}
