/// Finds the master of a `redis+sentinel://` configuration, as the Sentinel client guidelines say:
/// ask each sentinel in turn, with a short timeout, for the master's address; the caller connects to
/// it and checks with `ROLE` that it is a master. Every ``RedisConnection`` made from a Sentinel
/// configuration does this, so every reconnect (after a lost connection, `READONLY`, or a switch this
/// process heard of) finds the current master; the owners' backoff paces the attempts.
enum SentinelResolver {
    /// The master to connect to and the shared state its connection reports to.
    static func resolve(_ sentinel: SentinelConfiguration) throws(RedisError) -> (master: SentinelMasterState.Master, state: SentinelMasterState) {
        let state = SentinelMasterState.shared(for: sentinel)
        var failures: [String] = []
        var unknownCount = 0
        var replacedCount = 0
        // A master one sentinel is replacing is not taken from another that has not heard yet.
        var replaced: SentinelMasterState.Master?
        let sentinels = state.sentinels
        for address in sentinels {
            do {
                guard let (master, isBeingReplaced) = try query(address, of: sentinel) else {
                    unknownCount += 1
                    failures.append("\(address) monitors no master of that name")
                    continue
                }
                if isBeingReplaced { replaced = master }
                let isReplaced = replaced.map { $0.host == master.host && $0.port == master.port && master.configEpoch <= $0.configEpoch } ?? false
                guard state.isCurrent(master), !isReplaced else {
                    replacedCount += 1
                    failures.append("\(address) still names \(master.host):\(master.port) (config epoch \(master.configEpoch)), which a failover under way is replacing")
                    continue
                }
                state.answered(address)
                return (master, state)
            } catch {
                failures.append("\(address): \(reason(error))")
            }
        }
        if unknownCount == sentinels.count {
            throw .unknownMaster(masterName: sentinel.masterName, sentinels: sentinels.map(\.description).joined(separator: ", "))
        }
        if replacedCount > 0 {
            throw .failoverUnderWay(masterName: sentinel.masterName, failures: failures.joined(separator: "; "))
        }
        throw .sentinelsUnavailable(masterName: sentinel.masterName, failures: failures.joined(separator: "; "))
    }

    /// Asks one sentinel for the master's address and config epoch, in one round trip; nil when it
    /// monitors no master of that name. `isBeingReplaced`: the sentinel is failing the master over
    /// and has not yet seen the replica promoted, so the address it gives is the old master's, which
    /// must not be written to (see ``SentinelMasterState``).
    ///
    /// `get-master-addr-by-name` rather than the address in `SENTINEL MASTER`: once a failover has
    /// promoted the replica it already names the new master, before the switch is announced.
    static func query(_ address: SentinelConfiguration.Address, of sentinel: SentinelConfiguration) throws(RedisError) -> (master: SentinelMasterState.Master, isBeingReplaced: Bool)? {
        let connection = try RedisConnection(configuration: configuration(of: address, sentinel))
        let replies = try connection.pipeline([
            RedisCommand("SENTINEL", "get-master-addr-by-name", sentinel.masterName),
            RedisCommand("SENTINEL", "MASTER", sentinel.masterName),
        ])
        if case .error(let message) = replies[0] {
            throw .errorReply(command: "SENTINEL get-master-addr-by-name", message: message)
        }
        guard let pair = replies[0].array, pair.count == 2, let host = pair[0].string,
              let port = pair[1].string.flatMap(Int.init) else {
            return nil
        }
        // The epoch is a safeguard; a sentinel that does not say it (an ACL without SENTINEL MASTER)
        // still gives a usable address, taken as epoch 0.
        var fields: [String: String] = [:]
        let list = replies[1].array ?? []
        for index in stride(from: 0, to: list.count - 1, by: 2) {
            if let name = list[index].string, let value = list[index + 1].string { fields[name] = value }
        }
        let configEpoch = fields["config-epoch"].flatMap(Int.init) ?? 0
        let isFailingOver = fields["flags"]?.split(separator: ",").contains("failover_in_progress") == true
        let isBeingReplaced = isFailingOver && fields["ip"] == host && fields["port"] == String(port)
        return (SentinelMasterState.Master(host: host, port: port, configEpoch: configEpoch), isBeingReplaced)
    }

    /// Why one sentinel did not answer, short enough to list several in one sentence.
    private static func reason(_ error: RedisError) -> String {
        let text = switch error {
        case .connectionFailed(_, let message): message
        case .timeout(_, let seconds): "no answer within \(seconds) s"
        default: error.description
        }
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    /// How to reach one sentinel: its own credentials and the short timeout.
    static func configuration(of address: SentinelConfiguration.Address, _ sentinel: SentinelConfiguration) -> RedisConfiguration {
        var configuration = RedisConfiguration(endpoint: .tcp(host: address.host, port: address.port), username: sentinel.username, password: sentinel.password)
        configuration.connectTimeout = sentinel.timeout
        configuration.commandTimeout = sentinel.timeout
        return configuration
    }
}
