import ConveyorSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets another thread cut short a blocking hiredis call, so ``RedisClient/close()`` need not wait out
/// a round trip to a hung server: `shutdown(2)` on the socket makes the blocked read or write return
/// at once, and hiredis then fails the call as if the server had closed the connection.
///
/// The owner thread attaches its socket after connecting and detaches it before hiredis closes it,
/// under the same lock that ``interrupt()`` takes: an interruption never reaches a descriptor number
/// the kernel has since given to another file.
final class SocketInterrupter: Sendable {
    private let state = Locked<(socket: Int32?, isInterrupted: Bool)>((nil, false))

    /// Called by the owner thread right after connecting. Once ``interrupt()`` was called, every socket
    /// attached is shut down at once, so a connection made while the client closes fails fast instead
    /// of waiting for its handshake.
    func attach(_ socket: Int32) {
        state.withLock { state in
            state.socket = socket
            if state.isInterrupted { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    /// Called by the owner thread before the socket is closed.
    func detach() {
        state.withLock { $0.socket = nil }
    }

    /// Whether ``interrupt()`` was called: a connection that breaks afterwards was closed by this side.
    var isInterrupted: Bool {
        state.withLock { $0.isInterrupted }
    }

    /// Shuts down the attached socket, and every socket attached later.
    func interrupt() {
        state.withLock { state in
            state.isInterrupted = true
            if let socket = state.socket { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }
}
