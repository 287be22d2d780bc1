import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// Liveness, permanent errors and bounded shutdown with real workers on a real redis-server: the
/// examples of the issue "Never trap, never strand, never steal", each with its expected value.
@Suite("Faults: leases, permissions, pruning and bounded shutdown on Redis")
struct FaultToleranceTests {
    @Test("an ACL user without EVALSHA: the worker says why and exits 1 instead of idling silently")
    func aclWithoutScriptsExits() async throws {
        let context = try await RedisTestContext("noeval")
        let user = "noeval-\(context.namespace)"
        try await context.client.send("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-eval", "-evalsha")
        defer { Task { _ = try? await context.client.send("ACL", "DELUSER", user) } }
        let url = context.server.url.replacingOccurrences(of: "redis://", with: "redis://\(user):secret@")
        let started = MonotonicClock.now()
        let result = try await CommandLine.run("conveyor-worker", ["--namespace", context.namespace], redisURL: url)
        #expect(result.status == 1, "exit \(result.status): \(result.errors)")
        #expect(MonotonicClock.now() - started < 20, "the worker took \(MonotonicClock.now() - started) s to give up")
        #expect(result.errors.contains("NOPERM") && result.errors.contains("retrying cannot fix"), "stderr: \(result.errors)")
        try await context.finish()
    }

    @Test("a queue key of the wrong type (WRONGTYPE): the worker says why and exits 1")
    func wrongTypeQueueExits() async throws {
        let context = try await RedisTestContext("wrongtype")
        try await context.client.send("SET", context.keys.queue("default"), "not a list")
        let result = try await CommandLine.run("conveyor-worker", ["--namespace", context.namespace], redisURL: context.server.url)
        #expect(result.status == 1, "exit \(result.status): \(result.errors)")
        #expect(result.errors.contains("WRONGTYPE") && result.errors.contains("Fetching jobs failed in a way retrying cannot fix"), "stderr: \(result.errors)")
        try await context.finish()
    }

    @Test("a queue key of the wrong type never swallows a job: requeue and recovery leave it in the private list")
    func wrongTypeDestinationKeepsTheJob() async throws {
        let context = try await RedisTestContext("keep")
        try await Producer(backend: context.backend).push(className: "Noop")
        let fetched = try await fetchOnThread(context.backend, owner: "dead-host:1:0", queues: ["default"], maximum: 1, timeout: 0.5)
        try await context.client.send("SET", context.keys.queue("default"), "not a list")
        await #expect(throws: RedisError.self) { try await context.backend.requeue(fetched) }
        await #expect(throws: RedisError.self) { try await context.backend.recoverOrphanedJobs() }
        let list = context.keys.privateList(owner: "dead-host:1:0", queue: "default")
        #expect(try await context.integer("LLEN", list) == 1, "the job left its private list without reaching its queue")
        try await context.finish()
    }

    @Test("a recovery pass whose worker stops while the script waits for its reply still reports every job it moved")
    func recoveryStoppedMidScriptReportsItsJobs() async throws {
        // A private server: the test pauses its writes, which would stall every other test's Redis.
        let server = try await RedisTestServer.start()
        defer { server.stopInBackground() }
        let client = try server.makeClient()
        let backend = RedisBackend(client: client, namespace: RedisTestServer.uniqueNamespace("midscript"))
        try await Producer(backend: backend).pushBulk((0..<3).map { _ in Job(className: "Noop") })
        _ = try await fetchOnThread(backend, owner: "dead-host:1:0", queues: ["default"], maximum: 3, timeout: 0.5)

        // Reads go through; the recovery script (a write) waits at the server until the pause ends.
        let admin = try server.makeClient()
        try await admin.send("CLIENT", "PAUSE", 10_000, "WRITE")
        let pass = Task { try await backend.recoverOrphanedJobs() }
        try await waitUntil(timeout: 10, "the recovery script waiting at the server") {
            let clients = try await admin.send("CLIENT", "LIST").string ?? ""
            return clients.split(separator: "\n").contains { $0.contains("flags=b") && $0.contains("cmd=evalsha") }
        }
        pass.cancel()  // what a worker's shutdown does to its housekeeping
        try await admin.send("CLIENT", "UNPAUSE")
        let result = try await pass.value
        #expect(result.requeued == 3, "the pass reported \(result.requeued) recovered jobs; the script moved 3")
        #expect(try await admin.send("LLEN", backend.keys.queue("default")).integer == 3)
        await admin.close()
        await client.close()
    }

    @Test("one due job whose queue key has the wrong type does not block the promotion of the others")
    func badQueueDoesNotBlockPromotion() async throws {
        let context = try await RedisTestContext("promote")
        try await context.client.send("SET", context.keys.queue("broken"), "not a list")
        try await context.backend.schedule([EncodedJob(Job(className: "Noop", queue: "broken"))], at: WallClock.now() - 2)
        try await context.backend.schedule((0..<3).map { _ in EncodedJob(Job(className: "Noop")) }, at: WallClock.now() - 1)
        #expect(try await context.backend.promoteDueJobs(limit: 100) == 3)
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 3)
        #expect(try await context.integer("ZCARD", context.keys.set(.schedule)) == 1, "the job for the broken queue must stay scheduled")
        try await context.finish()
    }

    @Test("a heartbeat with 10,000 running jobs goes through (Lua's unpack limit is about 8000 values)")
    func heartbeatOfAFullWorker() async throws {
        let context = try await RedisTestContext("busy")
        var running: [String: JSONObject] = [:]
        for index in 0..<10_000 { running["w\(index)"] = ["queue": "default", "run_at": 1] }
        try await context.backend.beat(WorkerHeartbeat(identity: "busy-host:1:0", info: [:], busy: 10_000, isQuiet: false, residentKilobytes: 0, runningJobs: running, isFirst: true))
        #expect(try await context.integer("HLEN", context.keys.workers("busy-host:1:0")) == 10_000)
        try await context.finish()
    }

    @Test("a read-only ACL user (no PING) can run conveyor stats")
    func readOnlyUserRunsStats() async throws {
        let context = try await RedisTestContext("readonly")
        try await Producer(backend: context.backend).push(className: "Noop")
        let user = "readonly-\(context.namespace)"
        try await context.client.send("ACL", "SETUSER", user, "on", ">secret", "~*", "+@read")
        defer { Task { _ = try? await context.client.send("ACL", "DELUSER", user) } }
        let url = context.server.url.replacingOccurrences(of: "redis://", with: "redis://\(user):secret@")
        let result = try await CommandLine.run("conveyor", ["stats", "--json", "--namespace", context.namespace], redisURL: url)
        #expect(result.status == 0, "exit \(result.status): \(result.errors)")
        #expect(result.output.contains("\"default\":1") || result.output.contains("\"default\" : 1"), "stdout: \(result.output)")
        try await context.finish()
    }

    @Test("processes killed without cleanup leave the process set: 40 stale entries count as 0 live processes")
    func staleProcessesArePruned() async throws {
        let context = try await RedisTestContext("prune")
        let ghosts = (0..<40).map { "ghost-host:\($0):0" }
        try await context.client.send(RedisCommand("SADD", arguments: [context.keys.processes] + ghosts))
        try await context.backend.beat(WorkerHeartbeat(identity: "live-host:1:0", info: [:], busy: 0, isQuiet: false, residentKilobytes: 0, runningJobs: [:]))
        #expect(try await context.backend.liveProcessCount() == 1)
        #expect(try await context.integer("SCARD", context.keys.processes) == 1, "the stale entries were not pruned")
        // A Conveyor worker whose lease expired no longer counts, though its entry lives up to a minute more.
        try await context.client.send("DEL", context.keys.lease("live-host:1:0"))
        #expect(try await context.backend.liveProcessCount() == 0, "a worker without its lease still counts as live")
        try await context.finish()
    }

    @Test("stop refuses a Conveyor worker whose lease expired, even when its beat (another clock) looks fresh")
    func stopFollowsTheLease() async throws {
        let context = try await RedisTestContext("stop-lease")
        let identity = "skewed:4242:0123456789ab"
        // Its clock runs 40 s ahead: the beat looks fresh, but Redis expired its lease.
        try await context.client.send("HSET", context.keys.process(identity), "beat", WallClock.now() + 40, "info", "{}", "lease", 2000)
        let result = try await CommandLine.run("conveyor", ["stop", identity, "--namespace", context.namespace], redisURL: context.server.url)
        #expect(result.status == 1 && result.errors.contains("is not running"), "exit \(result.status): \(result.errors)")
        #expect(result.errors.contains("Nothing was sent. `conveyor processes` lists the workers and their beat age."), "\(result.errors)")
        try await context.client.send("SET", context.keys.lease(identity), "1", "PX", 30_000)
        let live = try await CommandLine.run("conveyor", ["stop", identity, "--namespace", context.namespace], redisURL: context.server.url)
        #expect(live.status == 0, "\(live.errors)")
        try await context.finish()
    }

    @Test("--heartbeat-interval 70 --stale-after 300: the registry entry and the lease live 300 s, not 60")
    func registryFollowsStaleAfter() async throws {
        let context = try await RedisTestContext("ttl")
        let process = try CommandLine.start("conveyor-worker", ["--heartbeat-interval", "70", "--stale-after", "300", "--namespace", context.namespace], redisURL: context.server.url)
        try await waitUntil(timeout: 20, "the worker registered") { try await context.integer("SCARD", context.keys.processes) == 1 }
        let identity = try #require(try await context.client.send("SMEMBERS", context.keys.processes).array?.first?.string)
        let entryTTL = try await context.integer("TTL", context.keys.process(identity))
        let leaseTTL = try await context.integer("PTTL", context.keys.lease(identity))
        #expect(entryTTL > 290 && entryTTL <= 300, "the registry entry expires in \(entryTTL) s")
        #expect(leaseTTL > 290_000 && leaseTTL <= 300_000, "the lease expires in \(leaseTTL) ms")
        process.signal(SIGTERM)
        #expect(await CommandLine.finish(process).status == 0)
        #expect(try await context.integer("EXISTS", context.keys.lease(identity)) == 0, "a stopped worker left its lease")
        try await context.finish()
    }

    @Test("a Crash job fetched with 50 Record jobs: after the crashes only the Crash job is dead, every Record job runs")
    func poisonPillSparesBystanders() async throws {
        let context = try await RedisTestContext("bystanders")
        let recorded = "\(context.namespace):recorded"
        let producer = Producer(backend: context.backend)
        let pill = try await producer.push(className: "Crash")
        try await producer.pushBulk((0..<50).map { _ in Job(className: "Record", args: [.string(recorded)]) })
        var crashes = 0
        for attempt in 1...6 {
            let result = try await CommandLine.run("conveyor-worker", ["--drain", "--concurrency", "60", "--namespace", context.namespace], redisURL: context.server.url)
            if result.status == 0 { break }
            #expect(result.status == 70, "attempt \(attempt): \(result.errors)")
            crashes += 1
            // The crashed process's lease would expire in 30 s; expire it now.
            for identity in (try await context.client.send("SMEMBERS", context.keys.processes).array ?? []).compactMap(\.string) {
                try await context.client.send("DEL", context.keys.process(identity), context.keys.lease(identity))
            }
        }
        #expect(crashes == 4, "the pill crashed \(crashes) workers; expected 4 (3 recoveries allowed)")
        let dead = try await context.backend.entries(in: .dead, offset: 0, limit: 100).entries
        #expect(dead.map { $0.job?.jid } == [pill], "dead set: \(dead.map { $0.job?.className ?? "?" })")
        #expect(try await context.integer("SCARD", recorded) == 50, "not every Record job ran")
        #expect(try await context.leftovers() == (0, 0))
        try await context.finish()
    }

    @Test("SIGINT with Redis hung (SIGSTOP): the worker exits within --timeout plus the grace, and no job is lost")
    func shutdownWithHungRedisIsBounded() async throws {
        let server = try await RedisTestServer.start()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            let backend = RedisBackend(client: client)
            try await Producer(backend: backend).pushBulk((0..<5).map { _ in Job(className: "Sleep", args: [60_000]) })
            let process = try CommandLine.start("conveyor-worker", ["--timeout", "2"], redisURL: server.url)
            try await waitUntil(timeout: 20, "the worker fetched all 5 jobs") { try await backend.statistics().inProgress == 5 }
            let pid = try await redisServerProcessID(client)
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            let stopped = MonotonicClock.now()
            process.signal(SIGINT)
            let result = await CommandLine.finish(process)
            let elapsed = MonotonicClock.now() - stopped
            kill(pid, SIGCONT)
            #expect(result.status == 0, "\(result.errors)")
            #expect(elapsed < 2 + Worker.shutdownGrace + 1.5, "shutdown took \(elapsed) s with --timeout 2")
            // The five jobs are back in the queue or still in the private list for recovery: never lost.
            try await waitUntil(timeout: 10, "Redis answers again") { (try? await client.send("PING")) != nil }
            let statistics = try await backend.statistics()
            #expect(statistics.enqueued + statistics.inProgress == 5, "\(statistics.enqueued) queued and \(statistics.inProgress) in progress; expected 5 in all")
        }
    }
}
