import COpenSSL

/// OpenSSL's per-thread error queue, read right after the call that failed (on the same thread).
enum OpenSSLErrors {
    /// The reason code of the oldest queued error (an `SSL_R_…` value), or 0.
    static func peekReason() -> Int32 {
        ERR_GET_REASON(ERR_peek_error())
    }

    /// The oldest error's reason as text ("wrong version number"), emptying the queue; nil when empty.
    static func take() -> String? {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return nil }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}
