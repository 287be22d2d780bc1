import Conveyor
import RedisClient

/// Reliable fetch on a blocking connection owned by one consumer thread.
///
/// With a backlog, one Lua call moves up to `maximum` jobs into the private lists (one round trip for
/// many jobs). When every queue is empty it blocks in `BLMOVE` on one queue (rotating through them),
/// so an idle worker picks a new job up the moment it is pushed, and wakes at least every `timeout`
/// seconds to notice a stop.
final class RedisFetcher: JobFetcher {
    private let configuration: RedisConfiguration
    private let keys: RedisKeys
    private let owner: String
    private var connection: RedisConnection?
    private var blockingRotation = 0
    private var registeredQueues: Set<String> = []
    private var registeredAt = 0.0
    /// Seconds after which the private lists are registered again: recovery forgets an empty list of a
    /// worker whose beat went stale, and a worker that was only stalled must put it back.
    private static let registrationRefreshInterval = 10.0

    init(configuration: RedisConfiguration, keys: RedisKeys, owner: String, queues: [String]) {
        self.configuration = configuration
        self.keys = keys
        self.owner = owner
    }

    /// Lua's `unpack` has a stack limit of a few thousand values; batches stay well below it.
    static let largestBatch = 1000

    func fetch(from queues: [String], maximum wanted: Int, timeout: Double) throws -> [FetchedJob] {
        let maximum = min(wanted, Self.largestBatch)
        guard maximum > 0, !queues.isEmpty else { return [] }
        let connection = try connected()
        do {
            try register(queues, on: connection)
            let fetched = try fetchBatch(from: queues, maximum: maximum, on: connection)
            if !fetched.isEmpty { return fetched }
            // Several queues: block on each in turn for a slice of the timeout, so none waits long.
            let queue = queues[blockingRotation % queues.count]
            blockingRotation &+= 1
            let slice = queues.count == 1 ? timeout : min(timeout, 0.1)
            let reply = try connection.send(RedisCommand(
                "BLMOVE", keys.queue(queue), keys.privateList(owner: owner, queue: queue), "RIGHT", "LEFT", slice
            ))
            guard let payload = reply.bytes else { return [] }
            // Start this job at once; if a backlog follows, the next call takes it in a batch.
            return [FetchedJob(queue: queue, payload: payload, owner: owner)]
        } catch {
            if connection.isBroken { self.connection = nil }
            throw error
        }
    }

    func heldJobs(in queues: [String]) throws -> [FetchedJob] {
        let connection = try connected()
        do {
            return try queues.flatMap { queue in
                let reply = try connection.send(RedisCommand("LRANGE", keys.privateList(owner: owner, queue: queue), 0, -1))
                return (reply.array ?? []).compactMap(\.bytes).map { FetchedJob(queue: queue, payload: $0, owner: owner) }
            }
        } catch {
            if connection.isBroken { self.connection = nil }
            throw error
        }
    }

    func close() {
        connection = nil
    }

    private func connected() throws -> RedisConnection {
        if let connection, !connection.isBroken { return connection }
        var fresh = configuration
        // A blocking fetch legitimately waits up to 2 s; allow that plus the usual reply time.
        fresh.commandTimeout = configuration.commandTimeout + 2
        let made = try RedisConnection(configuration: fresh)
        connection = made
        registeredQueues = []
        return made
    }

    /// Records each private list in the registry before it is first used, so recovery can find it.
    private func register(_ queues: [String], on connection: RedisConnection) throws {
        if Clock.monotonic() - registeredAt > Self.registrationRefreshInterval {
            registeredQueues = []
            registeredAt = Clock.monotonic()
        }
        let missing = queues.filter { !registeredQueues.contains($0) }
        guard !missing.isEmpty else { return }
        var arguments: [any RedisArgument] = [keys.privateLists]
        for queue in missing {
            arguments += [keys.privateList(owner: owner, queue: queue), owner + "\n" + queue]
        }
        _ = try connection.send(RedisCommand("HSET", arguments: arguments))
        registeredQueues.formUnion(missing)
    }

    private func fetchBatch(from queues: [String], maximum: Int, on connection: RedisConnection) throws -> [FetchedJob] {
        var scriptKeys: [any RedisArgument] = []
        for queue in queues {
            scriptKeys.append(keys.queue(queue))
            scriptKeys.append(keys.privateList(owner: owner, queue: queue))
        }
        let reply = try connection.run(RedisScripts.fetch, keys: scriptKeys, arguments: [maximum])
        guard let flat = reply.array, !flat.isEmpty else { return [] }
        var fetched: [FetchedJob] = []
        fetched.reserveCapacity(flat.count / 2)
        for pair in stride(from: 0, to: flat.count - 1, by: 2) {
            guard let index = flat[pair].integer, let payload = flat[pair + 1].bytes else { continue }
            fetched.append(FetchedJob(queue: queues[index - 1], payload: payload, owner: owner))
        }
        return fetched
    }
}
