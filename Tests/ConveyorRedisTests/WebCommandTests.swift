import Conveyor
import ConveyorRedis
import ConveyorRedisTestKit
import ConveyorTestKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Issue 10: `conveyor web` as a real process against a real redis-server.
@Suite("conveyor web against Redis", .serialized)
struct WebCommandTests {
    @Test("binding beyond loopback without CONVEYOR_WEB_PASSWORD exits 64 and says what to do")
    func publicBindNeedsAPassword() async throws {
        let server = try await RedisTestServer.shared()
        let process = try ChildProcess(CommandLine.path("conveyor"), ["web", "--bind", "0.0.0.0", "--port", "\(try FreePort.find())"], environment: [
            "REDIS_URL": server.url, "CONVEYOR_WEB_PASSWORD": "",
        ])
        let result = await process.finish()
        #expect(result.status == 64)
        #expect(result.errors.contains("CONVEYOR_WEB_PASSWORD"), "\(result.errors)")
    }

    @Test("the pages show Redis's data; Retry now with the page's token moves the job, without it 403; SIGTERM exits 0")
    func servesPagesAndActions() async throws {
        let context = try await RedisTestContext("web")
        let job = Job(className: "WebRetry", args: [.string("<script>x</script>")], queue: "webq")
        var fields = job.fields
        fields[JobField.errorMessage] = .string("it broke")
        _ = try await context.client.send("ZADD", context.keys.set(.retry), WallClock.now() + 600, JSONValue.object(fields).jsonString)
        let port = try FreePort.find()
        let web = try ChildProcess(CommandLine.path("conveyor"), ["web", "--port", "\(port)", "--namespace", context.namespace, "--prefix", "/ops"], environment: [
            "REDIS_URL": context.server.url, "CONVEYOR_WEB_PASSWORD": "",
        ])
        let base = "http://127.0.0.1:\(port)/ops"
        try await waitUntil(timeout: 30, "conveyor web answers") {
            guard web.isRunning else { throw TestKitError("conveyor web exited early: \(await web.finish().errors)") }
            return (try? await Self.request("GET", base + "/"))?.status == 200
        }
        let overview = try await Self.request("GET", base + "/")
        #expect(overview.body.contains("redis_version"))
        let retries = try await Self.request("GET", base + "/retries")
        #expect(retries.body.contains("WebRetry") && retries.body.contains("it broke"))
        #expect(retries.body.contains("&lt;script&gt;x&lt;/script&gt;") && !retries.body.contains("<script>x"))
        let token = try #require(retries.body.range(of: "name=\"_csrf\" value=\"").map { String(retries.body[$0.upperBound...].prefix { $0 != "\"" }) })
        let refused = try await Self.request("POST", base + "/retries", body: "one=retry:\(job.jid)")
        #expect(refused.status == 403)
        #expect(try await context.integer("ZCARD", context.keys.set(.retry)) == 1)
        let retried = try await Self.request("POST", base + "/retries", body: "_csrf=\(token)&one=retry:\(job.jid)")
        #expect(retried.status == 200, "the 303 leads back to the retries page")
        #expect(try await context.integer("ZCARD", context.keys.set(.retry)) == 0)
        #expect(try await context.integer("LLEN", context.keys.queue("webq")) == 1)
        let queue = try await Self.request("GET", base + "/queues/webq")
        #expect(queue.body.contains("WebRetry"))
        web.signal(SIGTERM)
        let finished = await web.finish()
        #expect(finished.status == 0, "\(finished.errors)")
        #expect(finished.output.contains("Conveyor dashboard on http://127.0.0.1:\(port)/ops/"), "\(finished.output)")
        try await context.finish()
    }

    @Test("with CONVEYOR_WEB_PASSWORD it binds to 0.0.0.0 and answers 401 without credentials, 200 with them")
    func passwordProtects() async throws {
        let context = try await RedisTestContext("webauth")
        let port = try FreePort.find()
        let web = try ChildProcess(CommandLine.path("conveyor"), ["web", "--bind", "0.0.0.0", "--port", "\(port)", "--namespace", context.namespace], environment: [
            "REDIS_URL": context.server.url, "CONVEYOR_WEB_PASSWORD": "pa55word",
        ])
        let url = "http://127.0.0.1:\(port)/"
        try await waitUntil(timeout: 30, "conveyor web answers") {
            guard web.isRunning else { throw TestKitError("conveyor web exited early: \(await web.finish().errors)") }
            return try await Self.curlStatus(url) == 401
        }
        #expect(try await Self.curlStatus(url, user: "ops:wrong") == 401)
        #expect(try await Self.curlStatus(url, user: "ops:pa55word") == 200)
        web.signal(SIGTERM)
        #expect(await web.finish().status == 0)
        try await context.finish()
    }

    /// The status of a GET by curl: URLSession on Linux waits on a 401's challenge instead of returning it.
    private static func curlStatus(_ url: String, user: String? = nil) async throws -> Int {
        let arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5"] + (user.map { ["-u", $0] } ?? []) + [url]
        let result = try await ChildProcess("/usr/bin/curl", arguments).finish()
        return Int(result.output) ?? 0
    }

    private static func request(_ method: String, _ url: String, body: String? = nil, authorization: String? = nil) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if body != nil { request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type") }
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        request.timeoutInterval = 5
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
