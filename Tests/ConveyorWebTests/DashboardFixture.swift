import Foundation
import Conveyor
import ConveyorTestKit
import ConveyorWeb
import Hummingbird
import HummingbirdTesting
import Testing

/// An in-memory backend with something in every page, and the dashboard over it in a test router.
struct DashboardFixture {
    let backend = InMemoryBackend()

    /// Puts a job in a set the way a worker does: pushed, fetched, then moved with its error fields.
    func put(_ job: Job, in set: JobSet, score: Double, error: String? = nil) async throws {
        var fields = job.fields
        if let error {
            fields[JobField.errorMessage] = .string(error)
            fields[JobField.errorClass] = .string("RuntimeError")
            fields[JobField.retryCount] = .number(JSONNumber(0))
            fields["error_backtrace"] = .array([.string("app/jobs/\(job.className).swift:42 in perform()")])
        }
        let payload = Array(JSONValue.object(fields).jsonString.utf8)
        try await backend.push([EncodedJob(queue: "staging-\(set.rawValue)", payload: payload)])
        let fetched = try await fetchOnThread(backend, owner: "fixture", queues: ["staging-\(set.rawValue)"], maximum: 1, timeout: 1)
        try await backend.move(fetched[0], to: set, payload: payload, score: score)
        _ = try await backend.clearQueue("staging-\(set.rawValue)")
    }

    /// A worker heartbeat that runs `running`.
    func beat(_ identity: String, running: Job?) async throws {
        var runningJobs: [String: JSONObject] = [:]
        if let running {
            runningJobs["w0"] = ["queue": .string(running.queue), "payload": .string(String(decoding: running.serialized(), as: UTF8.self)), "run_at": .number(JSONNumber(WallClock.now()))]
        }
        try await backend.beat(WorkerHeartbeat(
            identity: identity, info: ["queues": .array([.string("default")]), "concurrency": .number(JSONNumber(10)), "started_at": .number(JSONNumber(WallClock.now() - 60))],
            busy: runningJobs.count, isQuiet: false, residentKilobytes: 1000, runningJobs: runningJobs, isFirst: true
        ))
    }

    /// Runs `test` against the dashboard mounted at `prefix` in a router-only test application.
    func test<Value: Sendable>(
        prefix: String = "", password: String? = nil, readOnly: Bool = false,
        _ test: @Sendable (any TestClientProtocol, Dashboard) async throws -> Value
    ) async throws -> Value {
        let dashboard = Dashboard(admin: backend, prefix: prefix, password: password, isReadOnly: readOnly)
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        dashboard.addRoutes(to: router)
        let app = Application(router: router)
        return try await app.test(.router) { client in try await test(client, dashboard) }
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The CSRF token from a page's forms.
    var csrfToken: String? {
        guard let range = text.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// A form body.
func form(_ fields: [(String, String)]) -> ByteBuffer {
    ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncodingForForm)" }.joined(separator: "&"))
}

/// Headers for a form POST, as a browser on the same origin sends them.
func formHeaders(_ extra: HTTPFields = [:]) -> HTTPFields {
    var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    headers.append(contentsOf: extra)
    return headers
}

extension String {
    var addingPercentEncodingForForm: String {
        var encoded = ""
        for byte in utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
