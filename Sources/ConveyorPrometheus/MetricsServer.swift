import ConveyorSupport
import Logging
import Prometheus
#if canImport(Glibc)
import Glibc
#endif

/// Serves `GET /metrics` in Prometheus's text format from a registry, on a thread of its own
/// (`conveyor-metrics`), with POSIX sockets.
///
/// ```swift
/// let server = try MetricsServer(address: BindAddress(host: "127.0.0.1", port: 9394), registry: prometheus.registry)
/// server.start()
/// // … curl http://127.0.0.1:9394/metrics
/// server.stop()
/// ```
///
/// Why not SwiftNIO or Hummingbird: one resource, scraped every few seconds by one client, does not
/// justify an event-loop group and an HTTP stack in every worker build. The server answers one
/// connection at a time, each with `Connection: close`, and gives every connection at most
/// ``connectionSeconds`` in all, so a client that stalls holds the thread, and delays the next scrape,
/// for that long at most. It never touches the worker's loop thread or Swift's cooperative pool. Other paths
/// get 404, other methods 405, a request head over 8 KiB 431.
public final class MetricsServer: Sendable {
    private enum State {
        case bound
        case serving(NamedThread)
        case stopped
    }

    /// Where the server listens, with the port the kernel chose when 0 was asked for.
    public let address: BindAddress
    private let listener: Int32
    /// Written once by ``stop()``: the serving thread polls it beside every socket, so a stop ends a
    /// wait at once. Never read, so it stays readable.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let state = Locked(State.bound)

    /// The longest one connection may take, from accept to close.
    public static let connectionSeconds = 5.0

    /// Binds and listens at once, so a port in use is reported here, before anything else starts;
    /// serving starts with ``start()``.
    public init(address: BindAddress, registry: PrometheusCollectorRegistry, logger: Logger = Logger(label: "conveyor.metrics")) throws(MetricsServerError) {
        self.registry = registry
        self.logger = logger
        let descriptor = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .systemCall("socket()", address: "\(address)", message: Self.lastError()) }
        do throws(MetricsServerError) {
            Self.setCloseOnExec(descriptor)
            // A restarted worker can bind again while the last one's connections sit in TIME_WAIT;
            // on Linux this never lets two sockets listen on one port, so a port in use still fails.
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = address.withSocketAddress { bind(descriptor, $0, $1) }
            guard bound == 0 else {
                switch errno {
                case EADDRINUSE: throw .addressInUse("\(address)")
                case EADDRNOTAVAIL: throw .addressNotAvailable("\(address)")
                case EACCES: throw .permissionDenied("\(address)")
                default: throw .systemCall("bind()", address: "\(address)", message: Self.lastError())
                }
            }
            guard listen(descriptor, 16) == 0 else {
                throw errno == EADDRINUSE ? .addressInUse("\(address)") : .systemCall("listen()", address: "\(address)", message: Self.lastError())
            }
            self.address = try BindAddress(host: address.host, port: Self.boundPort(of: descriptor) ?? address.port)
            var pipeEnds: [Int32] = [0, 0]
            guard pipe(&pipeEnds) == 0 else { throw .systemCall("pipe()", address: "\(address)", message: Self.lastError()) }
            pipeEnds.forEach(Self.setCloseOnExec)
            (wakeRead, wakeWrite) = (pipeEnds[0], pipeEnds[1])
        } catch {
            close(descriptor)
            throw error
        }
        listener = descriptor
    }

    /// The port listened on.
    public var port: Int { address.port }

    /// Starts serving on the `conveyor-metrics` thread. Does nothing when already started or stopped.
    public func start() {
        let isStarting = state.withLock { state -> Bool in
            guard case .bound = state else { return false }
            state = .serving(NamedThread.start(name: "conveyor-metrics") { self.serve() })
            return true
        }
        if isStarting { logger.info("Serving metrics.", metadata: ["url": "http://\(address)/metrics"]) }
    }

    /// Stops serving, joins the thread and closes the socket. A connection being answered is cut
    /// short. Safe to call twice, and without ``start()``.
    public func stop() {
        let previous = state.withLock { state in
            defer { state = .stopped }
            return state
        }
        switch previous {
        case .stopped:
            return
        case .serving(let thread):
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
            thread.join()
        case .bound:
            break
        }
        for descriptor in [listener, wakeRead, wakeWrite] { close(descriptor) }
    }

    private func serve() {
        while true {
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 {
                logger.error("The metrics server stops: poll() failed: \(Self.lastError()).")
                break
            }
            if descriptors[1].revents != 0 { break }
            guard descriptors[0].revents & Int16(POLLIN) != 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                // Out of descriptors (EMFILE) would make the listener ready again at once: pause
                // instead of spinning, listening for a stop meanwhile.
                if errno == EMFILE || errno == ENFILE {
                    logger.warning("The metrics server cannot accept a connection: \(Self.lastError()).")
                    if waitUntilReadable(wakeRead, timeout: 0.1) { break }
                }
                continue
            }
            Self.setCloseOnExec(connection)
            answer(connection)
            close(connection)
        }
        logger.debug("Metrics server thread stopped.")
    }

    /// Reads one request head and answers it, all within ``connectionSeconds``.
    private func answer(_ connection: Int32) {
        let deadline = MonotonicClock.now() + Self.connectionSeconds
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var request = MetricsRequest.incomplete
        while request == .incomplete {
            guard waitUntilReadable(connection, timeout: deadline - MonotonicClock.now()) else { return }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            // The client closed or reset before finishing its request: there is no one to answer.
            guard count > 0 else { return }
            received += chunk[..<count]
            request = MetricsRequest.parse(received)
        }
        let response = MetricsResponse.answering(request) { registry.emitToBuffer() }
        guard send(response.bytes, to: connection, until: deadline) else { return }
        // Closing with unread bytes (a request body) would reset the connection, and a reset can
        // destroy the response before the client reads it: say we are done, then read what is left.
        shutdown(connection, Int32(SHUT_WR))
        let lingerEnd = min(deadline, MonotonicClock.now() + 0.2)
        while waitUntilReadable(connection, timeout: lingerEnd - MonotonicClock.now()) {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if count <= 0 { break }
        }
    }

    private func send(_ bytes: [UInt8], to connection: Int32, until deadline: Double) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count > 0 {
                offset += count
            } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                guard waitUntil(connection, events: Int16(POLLOUT), timeout: deadline - MonotonicClock.now()) else { return false }
            } else {
                return false
            }
        }
        return true
    }

    private func waitUntilReadable(_ descriptor: Int32, timeout: Double) -> Bool {
        waitUntil(descriptor, events: Int16(POLLIN), timeout: timeout)
    }

    /// Waits for `events` on `descriptor`; false on timeout, on a stop request, or on an error.
    private func waitUntil(_ descriptor: Int32, events: Int16, timeout: Double) -> Bool {
        let stopWatch = descriptor == wakeRead ? [] : [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        while true {
            let milliseconds = Int32(max(0, min(timeout, Self.connectionSeconds)) * 1000)
            var descriptors = [pollfd(fd: descriptor, events: events, revents: 0)] + stopWatch
            let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return false }
            if descriptors.count > 1 && descriptors[1].revents != 0 { return false }
            return descriptors[0].revents & (events | Int16(POLLHUP) | Int16(POLLERR)) != 0
        }
    }

    private static func boundPort(of descriptor: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        let copy = storage
        return withUnsafeBytes(of: copy) { raw in
            if Int32(copy.ss_family) == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    private static func setCloseOnExec(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
