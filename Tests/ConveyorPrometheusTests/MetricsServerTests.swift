import Conveyor
import ConveyorPrometheus
import ConveyorRedisTestKit
import CoreMetrics
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// The metrics server over real loopback sockets, and the Prometheus factory's job buckets.
@Suite("Metrics server")
struct MetricsServerTests {
    /// A server on a free port, with one counter in its registry.
    private func makeServer() throws -> (MetricsServer, PrometheusMetrics) {
        let prometheus = PrometheusMetrics()
        Counter(label: MetricName.processed, dimensions: [("queue", "default"), ("class", "Noop")], factory: prometheus.factory).increment(by: 3)
        let server = try MetricsServer(address: BindAddress(host: "127.0.0.1", port: 0), registry: prometheus.registry)
        server.start()
        return (server, prometheus)
    }

    @Test("GET /metrics answers 200 with the registry in Prometheus's text format, and closes")
    func scrape() async throws {
        let (server, _) = try makeServer()
        defer { server.stop() }
        #expect(server.port > 0)
        let response = try await HTTPTestClient.get("/metrics", port: server.port)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.headers["connection"] == "close")
        #expect(response.headers["content-length"] == "\(response.body.utf8.count)")
        #expect(PrometheusSamples(response.body).value(MetricName.processed, ["queue": "default", "class": "Noop"]) == 3)
        #expect(response.body.contains("# TYPE \(MetricName.processed) counter"))
        // A query string does not change the resource.
        #expect(try await HTTPTestClient.get("/metrics?name[]=x", port: server.port).status == 200)
    }

    @Test("HEAD gets the headers alone; other methods 405, other paths 404, garbage 400")
    func otherRequests() async throws {
        let (server, _) = try makeServer()
        defer { server.stop() }
        let head = try await HTTPTestClient.send(Array("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8), port: server.port)
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 0)
        let post = try await HTTPTestClient.send(Array("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".utf8), port: server.port)
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        #expect(try await HTTPTestClient.get("/", port: server.port).status == 404)
        #expect(try await HTTPTestClient.get("/metrics/extra", port: server.port).status == 404)
        #expect(try await HTTPTestClient.send(Array("hello there\r\n\r\n".utf8), port: server.port).status == 400)
        #expect(try await HTTPTestClient.send(Array("GET /metrics SPDY/3\r\n\r\n".utf8), port: server.port).status == 400)
        // And it still serves after all that.
        #expect(try await HTTPTestClient.get("/metrics", port: server.port).status == 200)
    }

    @Test("a request head over 8 KiB gets 431, and the server goes on serving")
    func oversizedRequest() async throws {
        let (server, _) = try makeServer()
        defer { server.stop() }
        let huge = "GET /metrics HTTP/1.1\r\nX-Padding: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
        #expect(try await HTTPTestClient.send(Array(huge.utf8), port: server.port).status == 431)
        #expect(try await HTTPTestClient.get("/metrics", port: server.port).status == 200)
    }

    @Test("a port in use is refused when binding, with a message that says what to do")
    func portInUse() throws {
        let (server, prometheus) = try makeServer()
        defer { server.stop() }
        #expect(throws: MetricsServerError.addressInUse("127.0.0.1:\(server.port)")) {
            try MetricsServer(address: BindAddress(host: "127.0.0.1", port: server.port), registry: prometheus.registry)
        }
        #expect(MetricsServerError.addressInUse("127.0.0.1:1").description.contains("Choose another port"))
    }

    @Test("bind addresses: numeric IPv4 and IPv6 only, ports 0 to 65535", arguments: [
        ("127.0.0.1", true), ("0.0.0.0", true), ("::1", true), ("[::1]", true), ("::", true),
        ("localhost", false), ("1.2.3", false), ("256.0.0.1", false), ("", false), ("127.0.0.1:80", false),
    ])
    func bindAddresses(host: String, isValid: Bool) {
        #expect((try? BindAddress(host: host, port: 9394)) != nil ? isValid : !isValid)
    }

    @Test("a port outside 0 … 65535 is refused")
    func badPort() {
        #expect(throws: MetricsServerError.invalidPort(70_000)) { try BindAddress(host: "127.0.0.1", port: 70_000) }
        #expect(throws: MetricsServerError.invalidPort(-1)) { try BindAddress(host: "127.0.0.1", port: -1) }
    }

    @Test("IPv6 loopback serves too")
    func ipv6() async throws {
        let prometheus = PrometheusMetrics()
        let server: MetricsServer
        do {
            server = try MetricsServer(address: BindAddress(host: "::1", port: 0), registry: prometheus.registry)
        } catch .addressNotAvailable {
            return  // A machine without IPv6 loopback has nothing to test here.
        }
        server.start()
        defer { server.stop() }
        #expect(server.address.description == "[::1]:\(server.port)")
    }

    @Test("stop closes the socket, is safe twice, and is safe without start")
    func stop() async throws {
        let (server, prometheus) = try makeServer()
        let port = server.port
        server.stop()
        server.stop()
        await #expect(throws: (any Error).self) { try await HTTPTestClient.get("/metrics", port: port, timeout: 2) }
        // The port is free again at once.
        let again = try MetricsServer(address: BindAddress(host: "127.0.0.1", port: port), registry: prometheus.registry)
        again.stop()
    }

    @Test("as a Service in a ServiceGroup: serves while the group runs, and frees its port on graceful shutdown")
    func runsInAServiceGroup() async throws {
        let (server, _) = try makeServer()
        let port = server.port
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await confirmation("the server answered inside the group") { answered in
            if try await HTTPTestClient.get("/metrics", port: port).status == 200 { answered() }
        }
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: (any Error).self) { try await HTTPTestClient.get("/metrics", port: port, timeout: 2) }
    }

    @Test("a client that connects and sends nothing holds the server for at most its connection limit")
    func stalledClient() async throws {
        let (server, _) = try makeServer()
        defer { server.stop() }
        let silent = Task { try await HTTPTestClient.send([], port: server.port, timeout: 30) }
        let started = ContinuousClock.now
        #expect(try await HTTPTestClient.get("/metrics", port: server.port, timeout: 30).status == 200)
        #expect(ContinuousClock.now - started < .seconds(MetricsServer.connectionSeconds + 5))
        _ = try? await silent.value
    }

    @Test("job durations use buckets from 1 ms to 10 minutes, in seconds")
    func durationBuckets() {
        let prometheus = PrometheusMetrics()
        Timer(label: MetricName.duration, dimensions: [("queue", "default"), ("class", "Noop")], factory: prometheus.factory)
            .recordNanoseconds(3_000_000)
        let samples = PrometheusSamples(prometheus.registry.emitToString())
        #expect(samples.value("\(MetricName.duration)_bucket", ["le": "0.001"]) == 0)
        #expect(samples.value("\(MetricName.duration)_bucket", ["le": "0.005"]) == 1)
        #expect(samples.value("\(MetricName.duration)_bucket", ["le": "600.0"]) == 1)
        #expect(samples.value("\(MetricName.duration)_count") == 1)
        #expect(samples.value("\(MetricName.duration)_sum") == 0.003)
    }
}
