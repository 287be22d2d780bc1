import ConveyorSupport

/// A Lua script run by its SHA-1 (`EVALSHA`), falling back to `EVAL` when the server answers
/// `NOSCRIPT` (after a restart, a failover or `SCRIPT FLUSH`), which also caches it again.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The lowercase hex SHA-1 of the source, as Redis computes it.
    public let sha1: String

    /// Creates a script; its SHA-1 is computed locally so the first call needs no `SCRIPT LOAD`.
    ///
    /// `allowsOutOfMemory`: the script runs even when the server is over `maxmemory` with the
    /// `noeviction` policy (Redis 7's `allow-oom` script flag). Only for scripts that move data rather
    /// than add it (a fetch, a heartbeat that rewrites its own fields): at `maxmemory` those are what let
    /// workers drain the queues that filled the memory, and without the flag Redis refuses their first
    /// write with `OOM`.
    public init(_ source: String, allowsOutOfMemory: Bool = false) {
        self.source = allowsOutOfMemory ? "#!lua flags=allow-oom\n" + source : source
        self.sha1 = SHA1.hexDigest(of: Array(self.source.utf8))
    }

    /// The `EVALSHA` command for these keys and arguments.
    public func evalSHACommand(keys: [any RedisArgument], arguments: [any RedisArgument]) -> RedisCommand {
        RedisCommand("EVALSHA", arguments: [sha1, keys.count] + keys + arguments)
    }

    /// The `EVAL` command used when the server does not know the script.
    public func evalCommand(keys: [any RedisArgument], arguments: [any RedisArgument]) -> RedisCommand {
        RedisCommand("EVAL", arguments: [source, keys.count] + keys + arguments)
    }

    /// Whether a reply means the server has not cached this script.
    public static func isMissingScript(_ value: RedisValue) -> Bool {
        if case .error(let message) = value { return message.hasPrefix("NOSCRIPT") }
        return false
    }
}
