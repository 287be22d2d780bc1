import Conveyor
import ConveyorSupport
import Foundation
import RedisClient

/// Reliable fetch on a blocking connection owned by one consumer thread.
///
/// With a backlog, one Lua call moves up to `maximum` jobs into the private lists (one round trip for
/// many jobs). When every queue is empty it blocks in `BLMOVE` on one queue (rotating through them),
/// so an idle worker picks a new job up the moment it is pushed, and wakes at least every `timeout`
/// seconds to notice a stop.
///
/// Paused queues (the set at ``RedisKeys/pausedQueues``) are skipped by the fetch script itself, and
/// the blocking path waits only on queues the last fetch found open. A `BLMOVE` already waiting when a
/// queue is paused may still take a job from it; a script right after it hands such a job back, so no
/// job of a paused queue reaches a handler once the pause was written. When every queue is paused the
/// fetcher sleeps for the timeout instead of blocking.
///
/// Behind Sentinel, every reconnect asks the sentinels for the master (``RedisConnection``), and the
/// connection counts as broken as soon as this process learns of a failover, so the next fetch goes to
/// the new master. After such a switch the worker looks for strays twice (``shouldLookForStrays()``):
/// at once, and once every exchange still under way with the old master has ended (within the command
/// timeout), because an acknowledgement the old master took but never replicated leaves a finished job
/// in the new master's private list, which nobody would ever run again otherwise.
///
/// Task cancellation never reaches this connection: the worker's consumer thread calls it, not a task.
/// Cancelling the task running the worker stops the worker, and the consumer notices within `timeout`,
/// which bounds the wait just as cancelling the `BLMOVE` would.
final class RedisFetcher: JobFetcher {
    private let configuration: RedisConfiguration
    private let keys: RedisKeys
    private let owner: String
    private var connection: RedisConnection?
    private var blockingRotation = 0
    /// The master generation of the last Sentinel connection (nil for a direct one).
    private var masterGeneration: UInt64?
    /// Monotonic times at which the worker should look for strays, after a master switch.
    private var strayChecks: [Double] = []

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
            let (fetched, open) = try fetchBatch(from: queues, maximum: maximum, on: connection)
            if !fetched.isEmpty { return fetched }
            guard !open.isEmpty else {
                // Every queue is paused: nothing to block on. The next fetch sees a resume.
                Thread.sleep(forTimeInterval: timeout)
                return []
            }
            // Several queues: block on each in turn for a slice of the timeout, so none waits long.
            let queue = open[blockingRotation % open.count]
            blockingRotation &+= 1
            let slice = open.count == 1 && queues.count == 1 ? timeout : min(timeout, 0.1)
            let listKey = keys.privateList(owner: owner, queue: queue)
            // The registration rides in the same pipeline, before and after the move, so the server
            // runs it right after the move returns even if this process dies meanwhile: a list that
            // holds a job is always registered. Plain EVAL, which cannot meet NOSCRIPT after a restart
            // and so never needs a second round trip (a window for a stranded job).
            let registration = RedisScripts.register.evalCommand(keys: [keys.privateLists], arguments: [listKey, owner + "\n" + queue])
            let replies = try connection.pipeline([
                registration,
                RedisCommand("BLMOVE", keys.queue(queue), listKey, "RIGHT", "LEFT", slice),
                registration,
            ])
            for (index, name) in [(0, "EVAL (register the private list)"), (1, "BLMOVE"), (2, "EVAL (register the private list)")] {
                if case .error(let message) = replies[index] { throw RedisError.errorReply(command: name, message: message) }
            }
            guard let payload = replies[1].bytes else { return [] }
            // The queue may have been paused while the move waited: then the job goes back.
            let returned = try connection.run(RedisScripts.returnIfPaused, keys: [keys.pausedQueues, listKey, keys.queue(queue)], arguments: [queue, payload])
            if returned.integer == 1 { return [] }
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

    func shouldLookForStrays() -> Bool {
        guard let first = strayChecks.first, MonotonicClock.now() >= first else { return false }
        strayChecks.removeFirst()
        return true
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
        if let previous = masterGeneration, let current = made.masterGeneration, current != previous {
            let now = MonotonicClock.now()
            strayChecks = [now, now + fresh.commandTimeout + 1]
        }
        masterGeneration = made.masterGeneration ?? masterGeneration
        connection = made
        return made
    }

    /// One run of the fetch script: the jobs it moved, and the queues (of `queues`) that are not paused.
    private func fetchBatch(from queues: [String], maximum: Int, on connection: RedisConnection) throws -> (jobs: [FetchedJob], open: [String]) {
        var scriptKeys: [any RedisArgument] = [keys.privateLists, keys.pausedQueues]
        for queue in queues {
            scriptKeys.append(keys.queue(queue))
            scriptKeys.append(keys.privateList(owner: owner, queue: queue))
        }
        let arguments: [any RedisArgument] = [maximum, owner] + queues
        let reply = try connection.run(RedisScripts.fetch, keys: scriptKeys, arguments: arguments).array ?? []
        let open = (reply.count > 1 ? reply[1].array ?? [] : []).compactMap(\.integer).filter { $0 >= 1 && $0 <= queues.count }.map { queues[$0 - 1] }
        guard let flat = reply.first?.array, !flat.isEmpty else { return ([], open) }
        var fetched: [FetchedJob] = []
        fetched.reserveCapacity(flat.count / 2)
        for pair in stride(from: 0, to: flat.count - 1, by: 2) {
            guard let index = flat[pair].integer, let payload = flat[pair + 1].bytes else { continue }
            fetched.append(FetchedJob(queue: queues[index - 1], payload: payload, owner: owner))
        }
        return (fetched, open)
    }
}
