/// The output buffer behind `JSONValue`'s writer.
///
/// Appending byte by byte to an `Array` pays a uniqueness and capacity check on every call, which
/// dominated serialization time; this buffer only compares against its capacity. It starts on
/// caller-provided (typically stack) memory so a typical payload is written without any heap
/// allocation, and moves to the heap only when it outgrows that.
struct JSONWriter: ~Copyable {
    /// Bytes in the initial stack buffer; comfortably more than a typical job payload.
    static let stackCapacity = 1024

    /// Start of the storage.
    private var base: UnsafeMutablePointer<UInt8>
    /// Bytes the storage can hold.
    private var capacity: Int
    /// Bytes written so far.
    private var count = 0
    /// Whether `base` was allocated here (and must be freed here) rather than lent by the caller.
    private var ownsStorage = false

    /// Creates a writer whose first bytes go to `storage`, which must outlive the writer.
    private init(storage: UnsafeMutableBufferPointer<UInt8>) {
        base = storage.baseAddress!
        capacity = storage.count
    }

    deinit {
        if ownsStorage {
            base.deallocate()
        }
    }

    /// Runs `body` with an empty writer backed by stack memory.
    static func withTemporaryWriter<Result>(_ body: (inout JSONWriter) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stackCapacity) { storage in
            var writer = JSONWriter(storage: storage)
            return body(&writer)
        }
    }

    /// The bytes written so far, valid only inside `body`.
    borrowing func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if _slowPath(count + extra > capacity) {
            grow(toAtLeast: count + extra)
        }
    }

    /// Moves to heap storage at least twice as large, so appends stay amortised O(1).
    private mutating func grow(toAtLeast minimum: Int) {
        let newCapacity = max(capacity * 2, minimum)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        if ownsStorage {
            base.deallocate()
        }
        base = newBase
        capacity = newCapacity
        ownsStorage = true
    }

    /// Drops the last byte written (there must be one).
    mutating func removeLast() {
        precondition(count > 0, "Nothing written to remove.")
        count -= 1
    }

    /// Appends one byte.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Appends a block of bytes.
    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends an ASCII literal such as `null`.
    @inline(__always)
    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }

    /// Appends a string's UTF-8 bytes unchanged (used for number text).
    @inline(__always)
    mutating func appendRaw(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { append($0) }
        if done == nil {
            var string = string
            string.withUTF8 { append($0) }
        }
    }

    /// Appends `string` as a JSON string literal: quoted, with `"`, `\` and control characters
    /// escaped and everything else (including `/` and non-ASCII) copied as is.
    mutating func appendQuoted(_ string: String) {
        // Native strings lend their bytes without the copy (and retain) that `withUTF8` needs.
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { appendQuoted(utf8: $0) }
        if done == nil {
            var string = string
            string.withUTF8 { appendQuoted(utf8: $0) }
        }
    }

    /// `appendQuoted` for the string's UTF-8 bytes.
    @inline(__always)
    private mutating func appendQuoted(utf8: UnsafeBufferPointer<UInt8>) {
        guard JSONWriter.containsEscapable(utf8) else {
            // The common case: one check, then the whole string in one copy.
            let length = utf8.count
            reserve(length + 2)
            base[count] = UInt8(ascii: "\"")
            if let source = utf8.baseAddress {
                (base + count + 1).initialize(from: source, count: length)
            }
            base[count + 1 + length] = UInt8(ascii: "\"")
            count += length + 2
            return
        }
        appendQuotedEscaping(utf8)
    }

    /// The slow path of `appendQuoted`: copies runs between escapes in blocks.
    private mutating func appendQuotedEscaping(_ utf8: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        var runStart = 0
        for position in 0..<utf8.count {
            let byte = utf8[position]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
            appendEscape(for: byte)
            runStart = position + 1
        }
        append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
        append(UInt8(ascii: "\""))
    }

    /// Whether any byte of `utf8` must be escaped in a JSON string; eight bytes at a time.
    @inline(__always)
    static func containsEscapable(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let count = utf8.count
        if count >= 8 {
            var position = 0
            while position + 8 < count {
                if needsEscape(raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)) {
                    return true
                }
                position += 8
            }
            // The last eight bytes, overlapping what was already checked, instead of a byte loop.
            return needsEscape(raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        var position = 0
        while position < count {
            let byte = utf8[position]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return true
            }
            position += 1
        }
        return false
    }

    /// Whether any byte of `word` is a control character, `"` or `\`; exact (no false positives
    /// or negatives) by the classic "has zero byte" bit tricks. Non-ASCII bytes never match.
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & 0x8080_8080_8080_8080 != 0
    }

    /// Appends the escape sequence for a byte that must not appear raw in a JSON string; the short
    /// forms where JSON has them, `\u00XX` otherwise.
    private mutating func appendEscape(for byte: UInt8) {
        let short: UInt8
        switch byte {
        case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            append("\\u00")
            hexDigits.withUTF8Buffer { digits in
                append(digits[Int(byte >> 4)])
                append(digits[Int(byte & 0x0F)])
            }
            return
        }
        append(UInt8(ascii: "\\"))
        append(short)
    }
}
