import ConveyorSupport
import Logging

/// Listens on a sentinel's `+switch-master` channel on a thread of its own (`conveyor-sentinel`), so a
/// failover moves this process's connections as soon as a sentinel announces it, rather than when the
/// old master finally drops them (Sentinel reconfigures it as a replica only seconds later, and
/// meanwhile it accepts writes that will be lost: see ``SentinelMasterState``). It also listens for
/// the start of a promotion (`+failover-state-send-slaveof-noone`), which fences the old master off
/// before the switch is announced, and for the abort events that lift that fence.
///
/// One per ``RedisClient`` made from a `redis+sentinel://` configuration; the client stops and joins it.
/// It subscribes to the first sentinel that answers, and after subscribing asks that sentinel for the
/// master once more, so a switch announced between two subscriptions is not missed. A silent channel
/// is normal: after `idleSeconds` without a message it reconnects, which is how a sentinel that died
/// without closing its socket is noticed.
final class SentinelWatcher: Sendable {
    private let thread: NamedThread
    private let isStopped: ConditionLock<Bool>
    private let interrupter: SocketInterrupter

    /// How long the channel may stay silent before the watcher reconnects.
    static let idleSeconds = 15.0

    private init(thread: NamedThread, isStopped: ConditionLock<Bool>, interrupter: SocketInterrupter) {
        self.thread = thread
        self.isStopped = isStopped
        self.interrupter = interrupter
    }

    /// Starts a watcher for a Sentinel configuration; nil for any other.
    static func start(for configuration: RedisConfiguration, logger: Logger) -> SentinelWatcher? {
        guard case .sentinel(let sentinel) = configuration.endpoint else { return nil }
        let isStopped = ConditionLock(false)
        let interrupter = SocketInterrupter()
        let state = SentinelMasterState.shared(for: sentinel)
        let thread = NamedThread.start(name: "conveyor-sentinel") {
            run(sentinel, state: state, isStopped: isStopped, interrupter: interrupter, logger: logger)
        }
        return SentinelWatcher(thread: thread, isStopped: isStopped, interrupter: interrupter)
    }

    /// Stops listening: a wait in progress is cut short. Safe to call twice.
    func stop() {
        isStopped.withLockThenBroadcast { $0 = true }
        interrupter.interrupt()
    }

    /// Waits for the thread to end; call after ``stop()``.
    func join() {
        thread.join()
    }

    /// Lets the thread end on its own; call after ``stop()``.
    func detach() {
        thread.detach()
    }

    private static func run(_ sentinel: SentinelConfiguration, state: SentinelMasterState, isStopped: ConditionLock<Bool>, interrupter: SocketInterrupter, logger: Logger) {
        var backoff = RetryBackoff(initialDelay: 0.1, maximumDelay: 2)
        var lastFailure = ""
        while !isStopped.withLock({ $0 }) {
            var heardFrom = false
            for address in state.sentinels where !isStopped.withLock({ $0 }) {
                do {
                    try listen(to: address, sentinel, state: state, interrupter: interrupter, logger: logger, heard: &heardFrom)
                    break
                } catch .timeout {
                    // Silence on the channel: subscribe again, to this sentinel first.
                    break
                } catch {
                    lastFailure = "\(address): \(error)"
                    if heardFrom { break }
                }
            }
            if heardFrom {
                backoff.reset()
                continue
            }
            logger.debug("No sentinel can be subscribed to for +switch-master; retrying with backoff.", metadata: ["error": "\(lastFailure)"])
            let delay = backoff.nextDelay()
            isStopped.wait(until: { $0 }, timeout: delay) { _ in }
        }
        logger.debug("The Sentinel watcher stopped.", metadata: ["master": "\(sentinel.masterName)"])
    }

    /// Subscribes to one sentinel and handles its announcements until the connection fails or stays
    /// silent for ``idleSeconds``. `heard` is set once the subscription is made.
    private static func listen(to address: SentinelConfiguration.Address, _ sentinel: SentinelConfiguration, state: SentinelMasterState, interrupter: SocketInterrupter, logger: Logger, heard: inout Bool) throws(RedisError) {
        var configuration = SentinelResolver.configuration(of: address, sentinel)
        configuration.commandTimeout = idleSeconds
        let connection = try RedisConnection(configuration: configuration, interrupter: interrupter)
        // One SUBSCRIBE per channel: each answers with exactly one confirmation.
        let confirmations = try connection.pipeline(channels.map { RedisCommand("SUBSCRIBE", $0) })
        if let refusal = confirmations.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = refusal {
            throw .errorReply(command: "SUBSCRIBE", message: message)
        }
        heard = true
        if let (master, isBeingReplaced) = try SentinelResolver.query(address, of: sentinel) {
            if state.observed(master) {
                announce(sentinel.masterName, movedTo: "\(master.host):\(master.port)", logger: logger)
            } else if isBeingReplaced {
                state.failoverStarting()
            }
        }
        while true {
            // ["message", CHANNEL, TEXT]
            let message = try connection.nextMessage()
            guard let parts = message.array, parts.count == 3, parts[0].string == "message",
                  let channel = parts[1].string, let words = parts[2].string?.split(separator: " ") else { continue }
            handle(channel, words, sentinel.masterName, state: state, logger: logger)
        }
    }

    private static let promotionChannel = "+failover-state-send-slaveof-noone"
    private static let abortChannels = ["-failover-abort-not-elected", "-failover-abort-no-good-slave", "-failover-abort-slave-timeout", "+failover-end-for-timeout"]
    private static let channels = ["+switch-master", promotionChannel] + abortChannels

    private static func handle(_ channel: String, _ words: [Substring], _ masterName: String, state: SentinelMasterState, logger: Logger) {
        switch channel {
        case "+switch-master":
            // NAME OLD-IP OLD-PORT NEW-IP NEW-PORT
            guard words.count == 5, words[0] == masterName, let port = Int(words[4]) else { return }
            if state.switchAnnounced(toHost: String(words[3]), port: port) {
                announce(masterName, movedTo: "\(words[3]):\(port)", logger: logger)
            }
        case promotionChannel:
            // slave NAME IP PORT @ MASTER-NAME MASTER-IP MASTER-PORT
            guard words.count == 8, words[5] == masterName else { return }
            if state.failoverStarting() {
                logger.notice("Sentinel is promoting a replica; this process stops writing to the old master until the new one is known.", metadata: ["master": "\(masterName)", "replica": "\(words[2]):\(words[3])"])
            }
        default:
            // master NAME IP PORT
            guard words.count >= 2, words[1] == masterName else { return }
            state.failoverAborted()
            logger.warning("Sentinel abandoned a failover; the master stays where it was.", metadata: ["master": "\(masterName)", "event": "\(channel)"])
        }
    }

    private static func announce(_ masterName: String, movedTo address: String, logger: Logger) {
        logger.notice("Sentinel announced a failover; this process's Redis connections move to the new master.", metadata: ["master": "\(masterName)", "address": "\(address)"])
    }
}
