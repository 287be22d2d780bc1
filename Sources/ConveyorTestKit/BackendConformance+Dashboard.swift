import Conveyor

/// The ``JobAdministration`` checks a dashboard adds to the CLI's: queue pages, deleting one queued
/// job, clearing a queue, filtered set pages, daily history, running jobs and server facts.
extension BackendConformance {
    /// The dashboard's checks, run after the admin checks by ``checks``.
    static let dashboardChecks: [Check] = [
        Check(name: "a queue pages from the next job to run, deletes one job by jid and clears", run: administration(queuePagesDeleteAndClear)),
        Check(name: "a set filtered by text pages through the matches in score order, with their count", run: administration(filteredSetPages)),
        Check(name: "history counts each day's processed and failed jobs, statistics the totals", run: administration(historyCountsToday)),
        Check(name: "running jobs come from live heartbeats, with process info; server info answers", run: administration(runningJobsAndInfo)),
    ]

    static func queuePagesDeleteAndClear(_ backend: any JobBackend & JobAdministration) async throws {
        let jobs = (0..<5).map { Job(className: "Queued", args: [.number(JSONNumber($0))], queue: "pages") }
        try await backend.push(jobs.map(EncodedJob.init))
        let middle = try await backend.jobs(inQueue: "pages", offset: 1, limit: 2)
        try expect(middle.payloads == [jobs[1].serialized(), jobs[2].serialized()], "offset 1, limit 2 of a queue did not give the 2nd and 3rd to run")
        try expect(middle.total == 5 && middle.offset == 1, "the queue page says total \(middle.total) at \(middle.offset), expected 5 at 1")
        let beyond = try await backend.jobs(inQueue: "pages", offset: 9, limit: 3)
        try expect(beyond.payloads.isEmpty && beyond.total == 5, "an offset past a queue's end gave \(beyond.payloads.count) jobs")
        let deleted = try await backend.deleteJob(id: jobs[3].jid, fromQueue: "pages")
        try expect(deleted.payload == jobs[3].serialized(), "deleting a queued job returned another payload")
        try await expectAdminError(.unknownQueuedJob(jobs[3].jid, queue: "pages"), "deleting the same queued job twice") {
            _ = try await backend.deleteJob(id: jobs[3].jid, fromQueue: "pages")
        }
        let left = try await backend.jobs(inQueue: "pages", offset: 0, limit: 10)
        try expect(left.payloads == [0, 1, 2, 4].map { jobs[$0].serialized() }, "after a delete the queue holds the wrong jobs")
        let cleared = try await backend.clearQueue("pages")
        try expect(cleared == 4, "clearing a queue of 4 jobs reported \(cleared)")
        let queues = try await backend.queues()
        // A cleared queue stays known (and paused, if it was), empty.
        try expect(queues.first { $0.name == "pages" }.map { $0.size == 0 } ?? true, "a cleared queue still counts jobs")
        try expect(try await backend.jobs(inQueue: "pages", offset: 0, limit: 10).total == 0, "a cleared queue still holds jobs")
    }

    static func filteredSetPages(_ backend: any JobBackend & JobAdministration) async throws {
        let start = WallClock.now() + 3600
        var wanted: [Job] = []
        for index in 0..<30 {
            let job = Job(className: index % 3 == 0 ? "Needle" : "Hay", args: [.number(JSONNumber(index))])
            if index % 3 == 0 { wanted.append(job) }
            try await backend.schedule([EncodedJob(job)], at: start + Double(index))
        }
        let page = try await backend.entries(in: .schedule, containing: "\"Needle\"", offset: 2, limit: 3)
        try expect(page.total == 10, "the filter counted \(page.total) matches, expected 10")
        try expect(page.entries.map(\.jid) == wanted[2..<5].map(\.jid), "matches 3-5 are not the 3rd to 5th Needle jobs by run time")
        let none = try await backend.entries(in: .schedule, containing: "NoSuchClass", offset: 0, limit: 10)
        try expect(none.entries.isEmpty && none.total == 0, "a filter that matches nothing gave \(none.total) matches")
        let byJID = try await backend.entries(in: .schedule, containing: wanted[7].jid, offset: 0, limit: 10)
        try expect(byJID.entries.map(\.jid) == [wanted[7].jid], "filtering by a jid did not find exactly that job")
    }

    static func historyCountsToday(_ backend: any JobBackend & JobAdministration) async throws {
        try await backend.push([EncodedJob(Job(className: "Counted"))])
        let fetched = try await fetchOnThread(backend, owner: "w1", queues: ["default"], maximum: 1, timeout: 0.1)
        var delta = StatisticsDelta()
        delta.processed = 3
        delta.failed = 1
        try await backend.acknowledge(fetched, statistics: delta)
        let now = WallClock.now()
        let history = try await backend.history(days: 3, endingAt: now)
        try expect(history.map(\.day) == DailyCount.days(3, endingAt: now), "history named the days \(history.map(\.day))")
        // Other tests may share the Redis server's day counters only under another namespace.
        try expect(history.last?.processed == 3 && history.last?.failed == 1, "today's counts are \(String(describing: history.last)), expected 3 processed and 1 failed")
        let statistics = try await backend.statistics()
        try expect(statistics.processed == 3 && statistics.failed == 1, "statistics say \(statistics.processed) processed, \(statistics.failed) failed")
    }

    static func runningJobsAndInfo(_ backend: any JobBackend & JobAdministration) async throws {
        let job = Job(className: "Running", queue: "busy")
        var beat = heartbeat("host:7:abc")
        beat.info = ["queues": .array([.string("busy")]), "concurrency": .number(JSONNumber(5)), "started_at": .number(JSONNumber(1_700_000_000))]
        beat.busy = 1
        beat.runningJobs = ["w0": ["queue": .string("busy"), "payload": .string(String(decoding: job.serialized(), as: UTF8.self)), "run_at": .number(JSONNumber(1_700_000_100))]]
        try await backend.beat(beat)
        let running = try await backend.runningJobs()
        try expect(running == [RunningJob(identity: "host:7:abc", queue: "busy", payload: job.serialized(), runAt: 1_700_000_100)], "running jobs are \(running)")
        let processes = try await backend.processes()
        try expect(processes.first?.concurrency == 5 && processes.first?.startedAt == 1_700_000_000, "the process summary lost its info: \(processes)")
        try await backend.removeHeartbeat(of: "host:7:abc")
        try expect(try await backend.runningJobs().isEmpty, "a removed process still shows running jobs")
        try expect(!(try await backend.serverInfo()).isEmpty, "server info is empty")
    }
}
