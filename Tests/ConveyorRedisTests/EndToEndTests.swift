import ConveyorSupport
import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
import RedisClient
import Testing

/// Real processes against a real redis-server: `conveyor push` → Redis → `conveyor-worker`.
@Suite("End to end with the CLIs", .serialized)
struct EndToEndTests {
    @Test("1,000 jobs pushed with the CLI all run exactly once; queues and private lists end empty")
    func pushThenWork() async throws {
        let context = try await RedisTestContext("e2e")
        let recorded = "\(context.namespace):recorded"
        let push = try await CommandLine.run("conveyor", ["push", "Record", "[\"\(recorded)\"]", "--count", "1000", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(push.status == 0, "push failed: \(push.errors)")
        #expect(push.output.contains("Pushed 1000 jobs"))
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 1000)
        let work = try await CommandLine.run("conveyor-worker", ["--drain", "--concurrency", "20", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(work.status == 0, "worker failed: \(work.errors)")
        #expect(try await context.integer("SCARD", recorded) == 1000)
        let statistics = try await context.backend.statistics()
        #expect(statistics.processed == 1000, "a job ran more than once or not at all")
        #expect(statistics.enqueued == 0 && statistics.inProgress == 0)
        #expect(try await context.integer("HLEN", context.keys.privateLists) == 0, "a stopped worker must not leave registry entries")
        let stats = try await CommandLine.run("conveyor", ["stats", "--json", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(stats.status == 0)
        #expect(stats.output.contains("\"processed\" : 1000"))
        try await context.finish()
    }

    @Test("two worker processes on one queue run each job once")
    func twoWorkers() async throws {
        let context = try await RedisTestContext("two-workers")
        let recorded = "\(context.namespace):recorded"
        let jobs = (0..<3000).map { _ in Job(className: "Record", args: [.string(recorded)]) }
        try await Producer(backend: context.backend).pushBulk(jobs)
        let arguments = ["--drain", "--concurrency", "10", "--namespace", context.namespace]
        let first = try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url)
        let second = try CommandLine.start("conveyor-worker", arguments, redisURL: context.server.url)
        let results = await [CommandLine.finish(first), CommandLine.finish(second)]
        #expect(results.allSatisfy { $0.status == 0 })
        #expect(try await context.integer("SCARD", recorded) == 3000)
        #expect(try await context.backend.statistics().processed == 3000, "processed counts every run: more than 3000 means a job ran twice")
        let leftovers = try await context.leftovers()
        #expect(leftovers.queued == 0 && leftovers.inProgress == 0)
        try await context.finish()
    }

    @Test("100,000 jobs pushed in bulk land in the queue")
    func bulkPush() async throws {
        let context = try await RedisTestContext("bulk")
        let push = try await CommandLine.run("conveyor", ["push", "Noop", "--count", "100000", "--queue", "bulk", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(push.status == 0, "\(push.errors)")
        #expect(try await context.integer("LLEN", context.keys.queue("bulk")) == 100_000)
        #expect(try await context.integer("SISMEMBER", context.keys.queues, "bulk") == 1)
        try await Producer(backend: context.backend).pushBulk((0..<100_000).map { _ in Job(className: "Noop", queue: "api") })
        #expect(try await context.integer("LLEN", context.keys.queue("api")) == 100_000)
        try await context.finish()
    }

    @Test("a push file is validated first: a bad line names its number and nothing is pushed")
    func badPushFile() async throws {
        let context = try await RedisTestContext("file")
        let lines = [#"{"class":"Noop","args":[1]}"#, #"{"class":"Noop","args":[2]}"#, #"{"class":"Noop","args":[3]"#, #"{"class":"Noop"}"#]
        let bad = try await CommandLine.run("conveyor", ["push", "--file", "-", "--namespace", context.namespace], redisURL: context.server.url, input: Data(lines.joined(separator: "\n").utf8))
        #expect(bad.status != 0)
        #expect(bad.errors.contains("line 3"), "stderr: \(bad.errors)")
        #expect(bad.errors.contains("Nothing was pushed"))
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 0)
        let good = try await CommandLine.run("conveyor", ["push", "--file", "-", "--namespace", context.namespace], redisURL: context.server.url, input: Data((lines[0..<2] + [lines[3], #"{"class":"Other","queue":"q2","jid":"0123456789abcdef01234567","custom":{"k":1}}"#]).joined(separator: "\n").utf8))
        #expect(good.status == 0, "\(good.errors)")
        #expect(try await context.integer("LLEN", context.keys.queue("default")) == 3)
        let stored = try await context.client.send("LINDEX", context.keys.queue("q2"), 0).string ?? ""
        let job = try Job(json: Array(stored.utf8))
        #expect(job.jid == "0123456789abcdef01234567" && job.fields["custom"] == ["k": 1] && job.enqueuedAt != nil)
        try await context.finish()
    }

    @Test("bad arguments and unreachable servers give a clear message and a non-zero exit", arguments: [
        (["push", "Noop", "not json"], "not valid JSON"),
        (["push", "Noop", "{\"a\":1}"], "must be a JSON array"),
        (["push", "Noop", "--count", "0"], "--count must be at least 1"),
        (["push"], "Name the job class"),
        (["push", "Noop", "--insecure"], "rediss://"),
        (["push", "Noop", "--redis", "redis://127.0.0.1:notaport"], "port"),
        (["push", "Noop", "--redis", "http://127.0.0.1"], "scheme"),
        (["push", "--file", "/nonexistent/jobs.ndjson"], "Cannot open the push file"),
    ])
    func badInput(arguments: [String], expected: String) async throws {
        let server = try await RedisTestServer.shared()
        let result = try await CommandLine.run("conveyor", arguments, redisURL: server.url)
        #expect(result.status != 0)
        #expect(result.errors.contains(expected), "stderr was: \(result.errors)")
    }

    @Test("a stopped Redis and a wrong password fail with a message and push nothing")
    func unreachable() async throws {
        let server = try await RedisTestServer.start(extraArguments: ["--requirepass", "s3cret"])
        defer { server.stopInBackground() }
        let port = server.url.split(separator: ":").last!.split(separator: "/").first!
        let wrong = try await CommandLine.run("conveyor", ["push", "Noop", "--redis", "redis://:nope@127.0.0.1:\(port)/0"], redisURL: "")
        #expect(wrong.status != 0)
        #expect(wrong.errors.contains("refused the credentials"), "stderr was: \(wrong.errors)")
        #expect(wrong.errors.contains("Give that URL with --redis URL or REDIS_URL."), "stderr was: \(wrong.errors)")
        #expect(!wrong.errors.contains("nope"), "the password must not be printed")
        let none = try await CommandLine.run("conveyor", ["stats", "--redis", "redis://127.0.0.1:\(port)/0"], redisURL: "")
        #expect(none.status != 0 && none.errors.contains("password"))
        let right = try await CommandLine.run("conveyor", ["push", "Noop", "--redis", "redis://:s3cret@127.0.0.1:\(port)/0"], redisURL: "")
        #expect(right.status == 0, "\(right.errors)")
        await server.stop()
        let down = try await CommandLine.run("conveyor", ["push", "Noop", "--redis", "redis://127.0.0.1:\(port)/0"], redisURL: "")
        #expect(down.status != 0)
        // The library's sentence, then the command line's own advice.
        #expect(down.errors.contains("Could not connect to Redis at redis://127.0.0.1:\(port)/0: Connection refused. Is redis-server running there? Set the address with --redis URL or REDIS_URL."), "stderr was: \(down.errors)")
        let worker = try await CommandLine.run("conveyor-worker", ["--redis", "redis://127.0.0.1:\(port)/0"], redisURL: "")
        #expect(worker.status != 0 && worker.errors.contains("Could not connect to Redis at redis://127.0.0.1:\(port)/0: Connection refused. Is redis-server running there? Set the address with --redis URL or REDIS_URL."), "stderr was: \(worker.errors)")
    }

    @Test("SIGTERM during long jobs: the worker exits 0 and the jobs are back in the queue")
    func sigtermRequeues() async throws {
        let context = try await RedisTestContext("sigterm")
        try await Producer(backend: context.backend).pushBulk((0..<5).map { _ in Job(className: "Sleep", args: [60_000]) })
        let process = try CommandLine.start("conveyor-worker", ["--timeout", "1", "--namespace", context.namespace], redisURL: context.server.url)
        try await waitUntil(timeout: 20, "the worker fetched all 5 jobs") { try await context.leftovers().inProgress == 5 }
        process.signal(SIGTERM)
        let result = await CommandLine.finish(process)
        #expect(result.status == 0, "\(result.errors)")
        let leftovers = try await context.leftovers()
        #expect(leftovers.queued == 5 && leftovers.inProgress == 0)
        #expect(try await context.backend.statistics().processes == 0, "the heartbeat must be removed on shutdown")
        try await context.finish()
    }

    @Test("SIGTERM while Redis is down: the worker still exits 0 within its bounds")
    func sigtermWithRedisDown() async throws {
        let server = try await RedisTestServer.start()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            let backend = RedisBackend(client: client)
            try await Producer(backend: backend).pushBulk((0..<20).map { _ in Job(className: "Sleep", args: [50]) })
            let process = try CommandLine.start("conveyor-worker", ["--timeout", "1", "--concurrency", "5"], redisURL: server.url)
            try await waitUntil(timeout: 20, "the worker ran a job") { try await backend.statistics().processed > 0 }
            await server.stop()
            // The fault: the worker notices Redis is gone (its heartbeat then reports the outage).
            try await waitUntil(timeout: 10, "the server is gone") { (try? await client.send("PING")) == nil }
            let stopped = MonotonicClock.now()
            process.signal(SIGTERM)
            let result = await CommandLine.finish(process)
            #expect(result.status == 0, "\(result.errors)")
            // --timeout 1, at most 5 s for acknowledgements, one backoff and connect attempt: well under 15 s.
            #expect(MonotonicClock.now() - stopped < 15, "shutdown took \(MonotonicClock.now() - stopped) s")
        }
    }

    @Test("a push that loses Redis midway says how many jobs it pushed, not a silent SIGPIPE")
    func pushLosesRedis() async throws {
        let server = try await RedisTestServer.start()
        defer { server.stopInBackground() }
        let process = try CommandLine.start("conveyor", ["push", "Noop", "--count", "3000000"], redisURL: server.url)
        try await server.makeClient().closing { client throws in
            try await waitUntil(timeout: 30, "the push started") {
                (try? await client.send("LLEN", "queue:default").integer ?? 0) ?? 0 > 0
            }
            _ = try? await client.send("SHUTDOWN", "NOSAVE")
            let result = await CommandLine.finish(process)
            #expect(result.status == 1, "exit \(result.status): \(result.errors)")
            #expect(result.errors.contains("Pushed") && result.errors.contains("of 3000000 jobs before the failure"), "stderr: \(result.errors)")
        }
    }

    @Test("jobs left in a dead worker's private list are recovered by another worker")
    func recoversDeadWorker() async throws {
        let context = try await RedisTestContext("recover")
        let recorded = "\(context.namespace):recorded"
        let jobs = (0..<50).map { _ in Job(className: "Record", args: [.string(recorded)]) }
        try await Producer(backend: context.backend).pushBulk(jobs)
        // A worker that fetched 50 jobs and then died: its jobs sit in its private list, no heartbeat.
        let fetched = try await fetchOnThread(context.backend, owner: "crashed-host:4242:deadbeef0000", queues: ["default"], maximum: 50, timeout: 0.5)
        #expect(fetched.count == 50)
        #expect(try await context.leftovers() == (0, 50))
        let work = try await CommandLine.run("conveyor-worker", ["--drain", "--namespace", context.namespace], redisURL: context.server.url)
        #expect(work.status == 0, "\(work.errors)")
        #expect(try await context.integer("SCARD", recorded) == 50)
        #expect(try await context.leftovers() == (0, 0))
        try await context.finish()
    }

    @Test("the example worker (three-line main): a pushed typed job runs, SIGTERM exits 0, --help lists its jobs, an unknown flag exits 64")
    func exampleWorker() async throws {
        let context = try await RedisTestContext("example")
        let arguments = ["--namespace", context.namespace, "--queue", "default"]
        let help = try await CommandLine.run("example-worker", ["--help"], redisURL: context.server.url)
        #expect(help.status == 0 && help.output.contains("Jobs: Ping, SendWelcomeEmail."), "\(help.output)")
        #expect(!help.output.contains("Built-in jobs"), "the example's help lists conveyor-worker's jobs")
        let bad = try await CommandLine.run("example-worker", ["--bogus"], redisURL: context.server.url)
        #expect(bad.status == 64, "exit \(bad.status): \(bad.errors)")
        let process = try CommandLine.start("example-worker", arguments, redisURL: context.server.url)
        try await Producer(backend: context.backend).push(className: "SendWelcomeEmail", args: [["userID": 42, "address": "ada@example.com"]])
        try await waitUntil(timeout: 20, "the job ran") { try await context.backend.statistics().processed == 1 }
        process.signal(SIGTERM)
        let result = await CommandLine.finish(process)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("Sending a welcome email to ada@example.com for user 42"), "\(result.errors)")
        try await context.finish()
    }

    @Test("a second SIGTERM stops at once: running jobs are cancelled and pushed back to their queue, exit 0")
    func secondSignalStopsAtOnce() async throws {
        let context = try await RedisTestContext("second-signal")
        try await Producer(backend: context.backend).pushBulk((0..<3).map { _ in Job(className: "Sleep", args: [60_000]) })
        let process = try CommandLine.start("conveyor-worker", ["--timeout", "30", "--heartbeat-interval", "0.2", "--stale-after", "2", "--namespace", context.namespace], redisURL: context.server.url)
        try await waitUntilRunning(3, context)
        process.signal(SIGTERM)
        try await waitUntilBeatingAsStopping(context, process)
        let sentAt = MonotonicClock.now()
        process.signal(SIGTERM)
        let result = await CommandLine.finish(process)
        #expect(result.status == 0, "exit \(result.status): \(result.errors)")
        #expect(MonotonicClock.now() - sentAt < 5, "the second signal did not stop the worker at once (--timeout is 30 s)")
        #expect(try await context.leftovers() == (3, 0), "the cancelled jobs must be back in their queue, not left for recovery")
        #expect(try await context.backend.statistics().failed == 0, "jobs cut short by a stop are not failures")
        try await context.finish()
    }

    @Test("a third SIGTERM exits on the spot with status 1 while the immediate stop is stuck (Redis hung), the jobs left for recovery")
    func thirdSignalExitsOnTheSpot() async throws {
        // A private server: this test freezes it.
        let server = try await RedisTestServer.start()
        defer { server.stopInBackground() }
        try await server.makeClient().closing { client throws in
            let context = RedisTestContext(server: server, client: client, label: "third-signal")
            try await Producer(backend: context.backend).pushBulk((0..<3).map { _ in Job(className: "Sleep", args: [60_000]) })
            let process = try CommandLine.start("conveyor-worker", ["--timeout", "30", "--heartbeat-interval", "0.2", "--namespace", context.namespace], redisURL: server.url)
            try await waitUntilRunning(3, context)
            process.signal(SIGTERM)
            try await waitUntilBeatingAsStopping(context, process)
            let pid = try await redisServerProcessID(client)
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            process.signal(SIGTERM)  // the immediate stop now waits on Redis to push the jobs back
            try await Task.sleep(for: .milliseconds(500))
            let sentAt = MonotonicClock.now()
            process.signal(SIGTERM)
            let result = await CommandLine.finish(process)
            let elapsed = MonotonicClock.now() - sentAt
            kill(pid, SIGCONT)
            #expect(result.status == 1, "exit \(result.status): \(result.errors)")
            #expect(elapsed < 2, "the third signal took \(elapsed) s to exit")
            #expect(result.errors.contains("third time"), "stderr: \(result.errors)")
            try await waitUntil(timeout: 10, "Redis answers again") { (try? await client.send("PING")) != nil }
            // Push-backs the worker wrote before exiting still run when Redis wakes: each job is in its
            // queue or in the private list for recovery, never lost.
            let (queued, inProgress) = try await context.leftovers()
            #expect(queued + inProgress == 3, "\(queued) queued and \(inProgress) in progress; expected 3 in all")
        }
    }

    /// Waits until the worker runs `count` jobs, as its heartbeat says. Fetched is not enough: a stop
    /// that comes between a fetch and the jobs' start sends them back to the queue unstarted, and the
    /// worker, with nothing running, exits at once.
    private func waitUntilRunning(_ count: Int, _ context: RedisTestContext) async throws {
        try await waitUntil(timeout: 20, "the worker running \(count) jobs") {
            try await context.backend.processes().first?.busy == count
        }
    }

    /// Draining, the worker beats with quiet=true: the first signal was handled. When it does not,
    /// the worker is killed and what it wrote, its exit and its beat's fields go into the failure.
    private func waitUntilBeatingAsStopping(_ context: RedisTestContext, _ process: ChildProcess) async throws {
        do {
            try await waitUntil(timeout: 10, "the worker beat as stopping") {
                guard let identity = try await context.client.send("SMEMBERS", context.keys.processes).array?.first?.string else { return false }
                return try await context.client.send("HGET", context.keys.process(identity), "quiet").string == "true"
            }
        } catch {
            let wasRunning = process.isRunning
            process.signal(SIGKILL)
            let result = await CommandLine.finish(process)
            let identities = try await context.client.send("SMEMBERS", context.keys.processes).array?.compactMap(\.string) ?? []
            var beats: [String] = []
            for identity in identities {
                beats.append("\(identity): \(try await context.client.send("HGETALL", context.keys.process(identity)))")
            }
            Issue.record("running when given up: \(wasRunning); exit \(result.status); beats: \(beats); worker's stderr: \(result.errors)")
            throw error
        }
    }

    @Test("docker-compose.yml is valid", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose")))
    func composeFile() async throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let result = try await ChildProcess("/usr/bin/docker-compose", ["-f", root.appendingPathComponent("docker-compose.yml").path, "config", "-q"]).finish()
        #expect(result.status == 0, "\(result.errors)")
    }
}
