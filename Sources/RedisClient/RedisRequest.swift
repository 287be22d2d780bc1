/// Commands from one caller of ``RedisClient``, sent together and answered together.
struct RedisRequest: Sendable {
    /// Names the request in ``RequestQueue``, so a cancellation handler can find its caller.
    let id: UInt64
    let commands: [RedisCommand]
    /// `EVAL` commands to send when the `EVALSHA` at the same index answers `NOSCRIPT`.
    let fallbacks: [Int: RedisCommand]

    /// The command named in errors about the whole request.
    var firstCommandName: String { commands[0].name }
}
