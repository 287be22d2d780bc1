import Foundation
@testable import RedisClient
import Testing

/// The process-wide view of a Sentinel master: when connections must move, and which sentinel answers
/// are stale. No server needed.
@Suite("Sentinel master state")
struct SentinelMasterStateTests {
    typealias Master = SentinelMasterState.Master

    private func freshState() -> SentinelMasterState {
        SentinelMasterState.shared(for: SentinelConfiguration(masterName: "state-\(UUID().uuidString)", sentinels: [.init(host: "127.0.0.1")]))
    }

    @Test func sameMasterKeepsTheGeneration() throws {
        let state = freshState()
        let first = try #require(state.confirm(Master(host: "10.0.0.1", port: 6379, configEpoch: 0)))
        #expect(state.confirm(Master(host: "10.0.0.1", port: 6379, configEpoch: 0)) == first)
        #expect(state.generation == first)
    }

    @Test func aSwitchMovesEveryConnectionAndRefusesTheOldMaster() throws {
        let state = freshState()
        let lease = SentinelMasterState.Lease(state: state, generation: try #require(state.confirm(Master(host: "old", port: 1, configEpoch: 3))))
        #expect(!lease.isOutdated)
        #expect(state.switchAnnounced(toHost: "new", port: 2))
        #expect(lease.isOutdated)
        // A sentinel that has not heard of the switch still names the old master: stale.
        #expect(!state.isCurrent(Master(host: "old", port: 1, configEpoch: 3)))
        #expect(state.confirm(Master(host: "old", port: 1, configEpoch: 3)) == nil)
        let moved = try #require(state.confirm(Master(host: "new", port: 2, configEpoch: 4)))
        #expect(moved != lease.generation)
        // Hearing the same switch again (another sentinel) is no news.
        #expect(!state.switchAnnounced(toHost: "new", port: 2))
        #expect(state.generation == moved)
    }

    @Test func anotherConnectionFindingANewerMasterMovesTheRest() throws {
        let state = freshState()
        let lease = SentinelMasterState.Lease(state: state, generation: try #require(state.confirm(Master(host: "old", port: 1, configEpoch: 1))))
        _ = try #require(state.confirm(Master(host: "new", port: 2, configEpoch: 2)))
        #expect(lease.isOutdated)
        #expect(!state.isCurrent(Master(host: "old", port: 1, configEpoch: 1)))
    }

    @Test func aPromotionFencesTheOldMasterUntilAnAbort() throws {
        let state = freshState()
        let old = Master(host: "old", port: 1, configEpoch: 5)
        let lease = SentinelMasterState.Lease(state: state, generation: try #require(state.confirm(old)))
        #expect(state.failoverStarting())
        #expect(lease.isOutdated)
        #expect(!state.isCurrent(old))
        #expect(state.confirm(old) == nil)
        #expect(!state.failoverStarting(), "a second announcement of the same promotion is no news")
        state.failoverAborted()
        #expect(state.isCurrent(old))
        #expect(state.confirm(old) != nil)
    }

    @Test func aPromotionBeforeAnyMasterIsKnownChangesNothing() {
        let state = freshState()
        #expect(!state.failoverStarting())
        #expect(state.isCurrent(Master(host: "any", port: 1, configEpoch: 0)))
    }

    @Test func observingANewerMasterCountsAsASwitch() throws {
        let state = freshState()
        let generation = try #require(state.confirm(Master(host: "old", port: 1, configEpoch: 1)))
        #expect(!state.observed(Master(host: "old", port: 1, configEpoch: 1)))
        #expect(state.observed(Master(host: "new", port: 2, configEpoch: 2)))
        #expect(state.generation != generation)
    }
}
