import Conveyor
import ConveyorWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Dashboard security: escaping, CSRF, basic auth")
struct DashboardSecurityTests {
    static let hostile = "<script>alert(1)</script>"

    @Test("a <script> in a class, args, error message or queue name shows as text on every page")
    func everythingFromTheBackendIsEscaped() async throws {
        let fixture = DashboardFixture()
        let queue = "q<script>alert(2)</script>"
        let job = Job(className: Self.hostile, args: [.string(Self.hostile), .object(["k\"'": .string("</td><img src=x onerror=alert(3)>")])], queue: queue)
        try await fixture.backend.push([EncodedJob(job)])
        for set in JobSet.allCases {
            try await fixture.put(Job(className: Self.hostile, args: [.string(Self.hostile)], queue: queue), in: set, score: WallClock.now() + 60, error: Self.hostile)
        }
        try await fixture.beat("host<script>alert(4)</script>:1:x", running: job)
        let retry = try #require(fixture.backend.jobs(in: .retry).first?.job)
        try await fixture.test { client, _ in
            let paths = [
                "/", "/queues", "/queues/" + queue.addingPercentEncodingForForm, "/retries", "/scheduled", "/dead", "/busy",
                "/jobs/\(retry.jid)", "/jobs/\(job.jid)?queue=" + queue.addingPercentEncodingForForm, "/retries?filter=" + Self.hostile.addingPercentEncodingForForm,
                "/dead?notice=" + Self.hostile.addingPercentEncodingForForm,
            ]
            for path in paths {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    let text = response.text
                    // The page's own script carries a nonce; nothing else may open a script or an element.
                    #expect(text.components(separatedBy: "<script").count - 1 == 1, "\(path) has a <script> that is not the page's own")
                    #expect(!text.contains("<img"), "\(path) lets an <img> through")
                    // The overview shows only counters and the server's facts, no job data.
                    if path != "/" { #expect(text.contains("&lt;script&gt;alert("), "\(path) does not show the hostile text as text") }
                }
            }
        }
    }

    @Test("a POST without the CSRF token, with a wrong one or from another site is 403 and changes nothing; with it, 303")
    func postsNeedTheCSRFToken() async throws {
        let fixture = DashboardFixture()
        let job = Job(className: "Flaky")
        try await fixture.put(job, in: .retry, score: WallClock.now() + 600, error: "boom")
        try await fixture.test { client, _ in
            let body = [("one", "retry:\(job.jid)")]
            let without = try await client.execute(uri: "/retries", method: .post, headers: formHeaders(), body: form(body))
            #expect(without.status == .forbidden)
            let wrong = try await client.execute(uri: "/retries", method: .post, headers: formHeaders(), body: form(body + [("_csrf", "0000")]))
            #expect(wrong.status == .forbidden)
            let token = try #require(try await client.execute(uri: "/retries", method: .get).csrfToken)
            let crossSite = try await client.execute(
                uri: "/retries", method: .post, headers: formHeaders([HTTPFields.Element.Name("Sec-Fetch-Site")!: "cross-site"]), body: form(body + [("_csrf", token)])
            )
            #expect(crossSite.status == .forbidden)
            let otherOrigin = try await client.execute(
                uri: "/retries", method: .post, headers: formHeaders([.origin: "https://evil.example"]), body: form(body + [("_csrf", token)])
            )
            #expect(otherOrigin.status == .forbidden)
            let clear = try await client.execute(uri: "/dead", method: .post, headers: formHeaders(), body: form([("action", "clear")]))
            #expect(clear.status == .forbidden)
            #expect(fixture.backend.jobs(in: .retry).count == 1, "a refused POST changed the retry set")
            let with = try await client.execute(
                uri: "/retries", method: .post, headers: formHeaders([HTTPFields.Element.Name("Sec-Fetch-Site")!: "same-origin"]), body: form(body + [("_csrf", token)])
            )
            #expect(with.status == .seeOther)
            #expect(fixture.backend.jobs(in: .retry).isEmpty && fixture.backend.jobs(inQueue: "default").count == 1)
            let header = try await client.execute(uri: "/dead", method: .post, headers: [HTTPFields.Element.Name("X-CSRF-Token")!: token, .contentType: "application/x-www-form-urlencoded"], body: form([("action", "clear")]))
            #expect(header.status == .seeOther, "the token in X-CSRF-Token (for scripts) is accepted")
            let put = try await client.execute(uri: "/dead", method: .put)
            #expect(put.status == .methodNotAllowed || put.status == .notFound)
        }
    }

    @Test("read-only: pages show no action button and every POST is refused, even with the token")
    func readOnly() async throws {
        let fixture = DashboardFixture()
        let job = Job(className: "Flaky")
        try await fixture.put(job, in: .retry, score: WallClock.now() + 600, error: "boom")
        try await fixture.test(readOnly: true) { client, dashboard in
            let page = try await client.execute(uri: "/retries", method: .get)
            #expect(page.text.contains("<body class=\"read-only\">") && page.text.contains("Flaky"))
            let token = try #require(page.csrfToken)
            let post = try await client.execute(uri: "/retries", method: .post, headers: formHeaders(), body: form([("_csrf", token), ("one", "retry:\(job.jid)")]))
            #expect(post.status == .forbidden)
            #expect(fixture.backend.jobs(in: .retry).count == 1)
            #expect(dashboard.isReadOnly)
        }
    }

    @Test("with a password, every page needs basic auth (any user name, that password)")
    func basicAuth() async throws {
        let fixture = DashboardFixture()
        try await fixture.test(password: "s3cret") { client, _ in
            let none = try await client.execute(uri: "/", method: .get)
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            for (credentials, status) in [("admin:wrong", HTTPResponse.Status.unauthorized), ("admin:s3cre", .unauthorized), ("anyone:s3cret", .ok)] {
                let encoded = Data(credentials.utf8).base64EncodedString()
                let response = try await client.execute(uri: "/stats.json", method: .get, headers: [.authorization: "Basic \(encoded)"])
                #expect(response.status == status, "\(credentials)")
            }
            let post = try await client.execute(uri: "/dead", method: .post, headers: formHeaders(), body: form([("action", "clear")]))
            #expect(post.status == .unauthorized)
        }
    }
}
