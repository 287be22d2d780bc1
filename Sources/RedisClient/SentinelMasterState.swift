import ConveyorSupport
import Synchronization

/// What this process knows of one master monitored by Sentinel, shared by every connection made from
/// the same ``SentinelConfiguration`` (the async clients' connections, a worker's blocking fetch
/// connection, the `+switch-master` watcher).
///
/// Why one shared state: replication is asynchronous, and after a failover the old master keeps
/// accepting writes until Sentinel reconfigures it as a replica (several seconds for a
/// `SENTINEL FAILOVER`, never while it is cut off from the sentinels). Whatever is written there is
/// lost when it resynchronises. If one connection of a process moved to the new master while another
/// kept writing to the old one, a job could be fetched on one server and acknowledged on the other.
/// So the first connection or watcher that learns of a new master raises ``generation``; every
/// connection compares its own generation before each exchange and reconnects, through the
/// sentinels, when it is behind (``RedisConnection/isBroken``), so the whole process moves together.
///
/// Why a fence before the switch: Sentinel announces `+switch-master` only once it has seen the
/// promoted replica report itself master, up to a second or so after promoting it (it polls `INFO`
/// every second). Everything written to the old master in between is lost, and the chaos scenario
/// measured over 4,000 acknowledged pushes lost that way. So when a sentinel announces that it is about
/// to promote a replica (`+failover-state-send-slaveof-noone`), every connection is made to reconnect
/// and, for ``failoverFenceSeconds`` or until the switch or an abort is announced, only a master newer
/// than the known one is accepted: the process stops writing until the new master is known, and its
/// writes wait (callers see errors and retry) instead of vanishing.
///
/// Why Sentinel's config epoch: sentinels learn of a failover one after another, so during a switch
/// one may still name the old master, which (still a master) passes the `ROLE` check. Each failover
/// raises the master's config epoch, so an answer with an older epoch than one already seen is stale
/// and is skipped, and after a `+switch-master` only an answer newer than the last one is taken.
final class SentinelMasterState: Sendable {
    /// A master as a sentinel described it.
    struct Master: Sendable, Equatable {
        var host: String
        var port: Int
        /// Sentinel's `config-epoch` for the master: raised by every failover.
        var configEpoch: Int
    }

    /// The generation one connection belongs to.
    struct Lease: Sendable {
        let state: SentinelMasterState
        let generation: UInt64

        /// Whether the process has learned of a newer master than the one this connection reached.
        var isOutdated: Bool { state.generation != generation }
    }

    private struct State {
        var generation: UInt64 = 0
        var master: Master?
        /// Answers with an epoch below this are stale: raised past the known epoch by a `+switch-master`.
        var minimumEpoch = 0
        /// The sentinels in the order to ask them: the last one that answered first.
        var sentinels: [SentinelConfiguration.Address]
        /// While a failover is under way: the epoch a master needs, and the monotonic time the fence ends.
        var fence: (epoch: Int, ends: Double)?

        /// The lowest config epoch an answer may have now.
        var requiredEpoch: Int {
            var required = max(minimumEpoch, master?.configEpoch ?? 0)
            if let fence, MonotonicClock.now() < fence.ends { required = max(required, fence.epoch) }
            return required
        }
    }

    /// How long a failover announced as starting keeps the old master fenced off, at most: long enough
    /// for Sentinel to see the promotion (about a second), short enough that a failover whose abort
    /// went unheard costs only this much unavailability.
    static let failoverFenceSeconds = 5.0

    private let state: Mutex<State>

    private init(sentinels: [SentinelConfiguration.Address]) {
        state = Mutex(State(sentinels: sentinels))
    }

    /// Every state of this process, by configuration: created on first use, kept for the process's
    /// life (a few hundred bytes per distinct sentinel URL).
    private static let registry = Mutex<[SentinelConfiguration: SentinelMasterState]>([:])

    /// The state shared by every connection to `configuration`'s master.
    static func shared(for configuration: SentinelConfiguration) -> SentinelMasterState {
        registry.withLock { states in
            if let state = states[configuration] { return state }
            let state = SentinelMasterState(sentinels: configuration.sentinels)
            states[configuration] = state
            return state
        }
    }

    /// Raised each time the process learns that the master moved.
    var generation: UInt64 {
        state.withLock { $0.generation }
    }

    /// The sentinels to ask, the one that answered last first.
    var sentinels: [SentinelConfiguration.Address] {
        state.withLock { $0.sentinels }
    }

    /// Whether a sentinel's answer is at least as new as what this process knows.
    func isCurrent(_ master: Master) -> Bool {
        state.withLock { master.configEpoch >= $0.requiredEpoch }
    }

    /// Records that `sentinel` answered, so it is asked first next time.
    func answered(_ sentinel: SentinelConfiguration.Address) {
        state.withLock { state in
            guard let index = state.sentinels.firstIndex(of: sentinel), index > 0 else { return }
            state.sentinels.insert(state.sentinels.remove(at: index), at: 0)
        }
    }

    /// Records `master`, which a sentinel named and which says it is a master. Returns the generation
    /// a connection to it belongs to, or nil when a newer master became known meanwhile (the caller
    /// must ask again). A different address than the known one raises the generation: every other
    /// connection of the process then moves to it.
    func confirm(_ master: Master) -> UInt64? {
        state.withLock { state in
            guard master.configEpoch >= state.requiredEpoch else { return nil }
            if let known = state.master {
                if known.host == master.host && known.port == master.port {
                    state.master = master
                    return state.generation
                }
            }
            if state.master != nil || state.minimumEpoch > 0 { state.generation &+= 1 }
            state.master = master
            state.fence = nil
            return state.generation
        }
    }

    /// A sentinel named `master` outside of a connection attempt (the watcher, right after it
    /// subscribed, so that no switch falls between two subscriptions). A newer master than the known
    /// one counts as a switch. Returns whether this was news.
    @discardableResult
    func observed(_ master: Master) -> Bool {
        let isNews = state.withLock { state in
            guard let known = state.master else { return false }
            return master.configEpoch > known.configEpoch && (known.host != master.host || known.port != master.port)
        }
        return isNews && switchAnnounced(toHost: master.host, port: master.port)
    }

    /// A sentinel announced `+switch-master` to `host:port`. Unless that is already the known master,
    /// every connection is now behind, and only an answer newer than the known one will do.
    /// Returns whether this was news.
    @discardableResult
    func switchAnnounced(toHost host: String, port: Int) -> Bool {
        state.withLock { state in
            if let known = state.master, known.host == host, known.port == port { return false }
            state.generation &+= 1
            state.minimumEpoch = max(state.minimumEpoch, (state.master?.configEpoch ?? 0) + 1)
            state.master = nil
            state.fence = nil
            return true
        }
    }

    /// A sentinel announced that it is promoting a replica (`+failover-state-send-slaveof-noone`): every
    /// connection must reconnect, and until the fence ends only a newer master is accepted. Returns
    /// whether this was news (nothing happens before this process knows a master).
    @discardableResult
    func failoverStarting() -> Bool {
        state.withLock { state in
            guard let known = state.master else { return false }
            if let fence = state.fence, MonotonicClock.now() < fence.ends { return false }
            state.generation &+= 1
            state.fence = (known.configEpoch + 1, MonotonicClock.now() + Self.failoverFenceSeconds)
            return true
        }
    }

    /// A sentinel announced that the failover was abandoned: the known master stays, so the fence goes.
    func failoverAborted() {
        state.withLock { $0.fence = nil }
    }
}
