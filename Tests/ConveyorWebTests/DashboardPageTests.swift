import Conveyor
import ConveyorWeb
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Dashboard pages on the in-memory backend")
struct DashboardPageTests {
    @Test("every page renders what the backend holds, with the security headers")
    func pagesShowTheData() async throws {
        let fixture = DashboardFixture()
        let retry = Job(className: "ChargeCard", args: [.number(JSONNumber(42))], queue: "billing")
        let mail = Job(className: "SendMail", args: [.string("ada@example.com")], queue: "mail")
        try await fixture.backend.push([EncodedJob(mail)])
        try await fixture.put(retry, in: .retry, score: WallClock.now() + 600, error: "card declined")
        try await fixture.put(Job(className: "Report", queue: "reports"), in: .schedule, score: WallClock.now() + 3600)
        try await fixture.put(Job(className: "Broken", queue: "default"), in: .dead, score: WallClock.now(), error: "gave up")
        try await fixture.beat("web-1:4242:abc", running: Job(className: "Resize", queue: "default"))
        try await fixture.test { client, _ in
            let expectations: [(String, [String])] = [
                ("/", ["Processed", "Live throughput", "History (30 days, UTC)", "in-memory"]),
                ("/queues", ["mail", "Clear"]),
                ("/queues/mail", ["SendMail", "ada@example.com", "Clear queue"]),
                ("/retries", ["ChargeCard", "card declined", "Retry now"]),
                ("/scheduled", ["Report", "Enqueue now"]),
                ("/dead", ["Broken", "gave up"]),
                ("/busy", ["web-1:4242:abc", "Resize", "Quiet", "Stop"]),
                ("/jobs/\(mail.jid)?queue=mail", ["SendMail", "ada@example.com", "Waiting in queue", "Delete"]),
                ("/jobs/\(retry.jid)", ["ChargeCard", "card declined", "app/jobs/ChargeCard.swift:42", "Payload as stored"]),
            ]
            for (path, texts) in expectations {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    for text in texts { #expect(response.text.contains(text), "\(path) should show \(text)") }
                    #expect(response.headers[HTTPFields.Element.Name("X-Frame-Options")!] == "DENY")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'nonce-") == true)
                    #expect(!response.text.contains("http://") && !response.text.contains("https://"), "\(path) links something outside")
                }
            }
            try await client.execute(uri: "/stats.json", method: .get) { response in
                let stats = try JSONValue.parse(Array(response.text.utf8)).objectValue
                #expect(stats?["retries"]?.intValue == 1 && stats?["busy"]?.intValue == 1 && stats?["enqueued"]?.intValue == 1)
            }
            try await client.execute(uri: "/jobs/nosuchjid", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("mounted under a prefix, every link and form stays inside it and the app's own routes still answer")
    func mountsUnderAPrefix() async throws {
        let fixture = DashboardFixture()
        try await fixture.put(Job(className: "Later"), in: .schedule, score: WallClock.now() + 60)
        try await fixture.test(prefix: "/admin/conveyor/") { client, _ in
            try await client.execute(uri: "/health", method: .get) { #expect($0.text == "ok") }
            try await client.execute(uri: "/admin/conveyor/scheduled", method: .get) { response in
                #expect(response.status == .ok)
                let targets = response.text.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
                    + response.text.components(separatedBy: "action=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
                #expect(!targets.isEmpty)
                for target in targets { #expect(target.hasPrefix("/admin/conveyor"), "\(target) leaves the prefix") }
            }
            try await client.execute(uri: "/admin/conveyor/", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("a set pages 25 at a time by offset, and a filter pages through the matches")
    func pagesAndFilters() async throws {
        let fixture = DashboardFixture()
        let start = WallClock.now() + 3600
        for index in 0..<60 {
            try await fixture.backend.schedule([EncodedJob(Job(className: index % 2 == 0 ? "Even" : "Odd", args: [.number(JSONNumber(index))]))], at: start + Double(index))
        }
        try await fixture.test { client, _ in
            try await client.execute(uri: "/scheduled?page=3", method: .get) { response in
                #expect(response.text.contains("51–60 of 60"))
                #expect(response.text.components(separatedBy: "name=\"id\"").count - 1 == 10)
            }
            try await client.execute(uri: "/scheduled?filter=Odd&page=2", method: .get) { response in
                #expect(response.text.contains("26–30 of 30"))
                #expect(!response.text.contains(">Even<"))
            }
        }
    }

    @Test("actions: retry, kill and delete from a set, delete one queued job, pause, resume and clear a queue, quiet a process")
    func actionsChangeTheBackend() async throws {
        let fixture = DashboardFixture()
        let jobs = (0..<3).map { Job(className: "Flaky", args: [.number(JSONNumber($0))], queue: "work") }
        for job in jobs { try await fixture.put(job, in: .retry, score: WallClock.now() + 600, error: "boom") }
        let queued = (0..<2).map { Job(className: "Waiting", args: [.number(JSONNumber($0))], queue: "inbox") }
        try await fixture.backend.push(queued.map(EncodedJob.init))
        try await fixture.beat("host:1:abc", running: nil)
        try await fixture.test { client, dashboard in
            let token = try #require(try await client.execute(uri: "/retries", method: .get).csrfToken)
            let retried = try await client.execute(uri: "/retries", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("one", "retry:\(jobs[0].jid)")]))
            #expect(retried.status == .seeOther)
            #expect(fixture.backend.jobs(inQueue: "work").map(\.jid) == [jobs[0].jid])
            let bulk = try await client.execute(uri: "/retries", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("action", "kill"), ("id", jobs[1].jid), ("id", jobs[2].jid)]))
            #expect(bulk.status == .seeOther)
            #expect(fixture.backend.jobs(in: .dead).map(\.job.jid).sorted() == [jobs[1].jid, jobs[2].jid].sorted())
            #expect(fixture.backend.jobs(in: .retry).isEmpty)
            _ = try await client.execute(uri: "/dead", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("one", "delete:\(jobs[1].jid)")]))
            #expect(fixture.backend.jobs(in: .dead).map(\.job.jid) == [jobs[2].jid])
            _ = try await client.execute(uri: "/queues/inbox", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("delete", queued[0].jid)]))
            #expect(fixture.backend.jobs(inQueue: "inbox").map(\.jid) == [queued[1].jid])
            let paused = try await client.execute(uri: "/queues/inbox", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("action", "pause")]))
            #expect(paused.status == .seeOther && paused.headers[.location]?.contains("Paused") == true)
            #expect(try await fixture.backend.queues().first { $0.name == "inbox" }?.isPaused == true)
            let listed = try await client.execute(uri: "/queues", method: .get)
            #expect(listed.text.contains("<span class=\"tag quiet\">paused</span>") && listed.text.contains("value=\"resume\">Resume<"), "\(listed.text)")
            #expect(try await client.execute(uri: "/queues/inbox", method: .get).text.contains("paused: no worker fetches from it"))
            _ = try await client.execute(uri: "/queues/inbox", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("action", "resume")]))
            #expect(try await fixture.backend.queues().first { $0.name == "inbox" }?.isPaused == false)
            #expect(!(try await client.execute(uri: "/queues", method: .get).text.contains("<span class=\"tag quiet\">paused</span>")))
            _ = try await client.execute(uri: "/queues/inbox", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("action", "clear")]))
            #expect(fixture.backend.jobs(inQueue: "inbox").isEmpty)
            let quiet = try await client.execute(uri: "/busy", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("quiet", "host:1:abc")]))
            #expect(quiet.status == .seeOther && quiet.headers[.location]?.hasPrefix("/busy?notice=Sent") == true)
            let reply = try await fixture.backend.beat(WorkerHeartbeat(identity: "host:1:abc", info: [:], busy: 0, isQuiet: false, residentKilobytes: 0, runningJobs: [:]))
            #expect(reply.signal == .quiet)
            _ = dashboard
        }
    }
}
