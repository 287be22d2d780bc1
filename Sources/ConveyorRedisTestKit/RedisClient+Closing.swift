import RedisClient

extension RedisClient {
    /// Runs `body` with this client, then closes the client however `body` ends, and returns or
    /// rethrows what `body` did: `defer` cannot await ``RedisClient/close()``.
    ///
    /// ```swift
    /// try await server.makeClient().closing { client throws in
    ///     #expect(try await client.send("PING") == .status("PONG"))
    /// }
    /// ```
    ///
    /// (A body whose only `try` is inside `#expect` must say `throws`: Swift infers a closure's effects
    /// before it expands the macro.)
    public func closing<Result>(after body: (RedisClient) async throws -> Result) async throws -> Result {
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(self))
        } catch {
            result = .failure(error)
        }
        await close()
        return try result.get()
    }
}
