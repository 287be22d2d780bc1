#if canImport(Glibc)
import Glibc
#endif

/// The command line as the bytes the shell passed. Swift's `CommandLine.arguments` repairs invalid
/// UTF-8 with U+FFFD, so a push would silently store different text than was typed; `push` checks
/// the raw bytes instead and refuses them, as `--file` does.
enum RawArguments {
    /// The 1-based position and the repaired text of the first argument that is not valid UTF-8.
    static func firstInvalidUTF8() -> (position: Int, text: String)? {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            if String(validating: bytes, as: UTF8.self) == nil {
                return (index, String(decoding: bytes, as: UTF8.self))
            }
        }
        return nil
    }
}
