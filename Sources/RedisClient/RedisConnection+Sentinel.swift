extension RedisConnection {
    /// Checks with `ROLE` that the server the sentinels named is a master, and joins the process's
    /// shared view of it.
    ///
    /// Why check: sentinels can name a server that is not a master (yet, or any more): the old master
    /// during a failover, or a server restarted as a replica. Writing to it would fail with `READONLY`
    /// at best; the guidelines say to ask again after a pause, which the owner's backoff provides.
    func confirmMaster(_ master: SentinelMasterState.Master, in state: SentinelMasterState) throws(RedisError) -> SentinelMasterState.Lease {
        let address = configuration.displayAddress
        let role: String
        do {
            role = try send(RedisCommand("ROLE")).array?.first?.string ?? "unknown"
        } catch .errorReply(_, let message) {
            throw .connectionFailed(address: address, message: "the sentinels name it the master, but it refused ROLE (\(message)); give the URL's user the ROLE permission")
        }
        guard role == "master" else {
            throw .connectionFailed(address: address, message: "the sentinels name it the master, but it says it is a \(role == "slave" ? "replica" : role); a failover is under way, so the sentinels will be asked again")
        }
        guard let generation = state.confirm(master) else {
            throw .connectionFailed(address: address, message: "this process learned of a newer master while connecting; the sentinels will be asked again")
        }
        return SentinelMasterState.Lease(state: state, generation: generation)
    }

    /// For a connection found through Sentinel, which master generation it reached (see
    /// ``SentinelMasterState``): it changes every time this process learns that the master moved, so
    /// an owner that sees a new value after reconnecting knows a failover happened in between. Nil
    /// for a direct connection.
    public var masterGeneration: UInt64? {
        masterLease?.generation
    }
}
