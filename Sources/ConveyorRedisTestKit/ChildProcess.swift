import ConveyorTestKit
import ConveyorSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid` on a thread of its own.
///
/// Foundation's `Process` on Linux sometimes never reports the exit of a child when waited on from
/// Swift concurrency (`waitUntilExit` hangs), which turned test timeouts into hung runs; this small
/// type does the two system calls itself.
public final class ChildProcess: @unchecked Sendable {
    // Safe to share: `pid` is immutable; `exitStatus` is guarded by `state`.
    /// The child's process ID.
    public let pid: pid_t
    private let state = ConditionLock<Int32?>(nil)
    private let usage = Locked(rusage())
    private let outputPipe: Int32
    private let errorPipe: Int32
    private let collected = Locked((output: [UInt8](), errors: [UInt8]()))
    private var threads: [NamedThread] = []

    /// Starts `executable` with `arguments`; `environment` entries replace or add to this process's.
    /// Standard input is `input` (then closed), or /dev/null.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0], stdinPipe: [Int32] = [0, 0]
        // Close-on-exec from the start: another child spawned meanwhile by another test (a long-lived
        // redis-server) must not inherit this child's channel ends, or its output never reaches end of
        // file and finish() waits as long as that server lives. Glibc's module has no pipe2, so these
        // are socket pairs, made close-on-exec atomically; dup2 onto 0, 1 and 2 clears the flag there.
        guard Self.channel(&stdoutPipe), Self.channel(&stderrPipe), Self.channel(&stdinPipe) else {
            throw TestKitError("socketpair() failed: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        for descriptor in stdoutPipe + stderrPipe + stdinPipe {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        // The child must not inherit this thread's blocked or ignored signals (Dispatch and the test
        // runner block some on their threads): a SIGTERM sent to it has to arrive.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        var defaultSet = sigset_t()
        sigemptyset(&defaultSet)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaultSet, number) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        guard result == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw TestKitError("Cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        outputPipe = stdoutPipe[0]
        errorPipe = stderrPipe[0]
        let stdinWriter = stdinPipe[1]
        let bytes = input ?? []
        threads.append(NamedThread.start(name: "child-stdin") {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(stdinWriter, raw.baseAddress! + offset, raw.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(stdinWriter)
        })
        threads.append(NamedThread.start(name: "child-stdout") { [collected, outputPipe] in
            let data = Self.drain(outputPipe)
            collected.withLock { $0.output = data }
        })
        threads.append(NamedThread.start(name: "child-stderr") { [collected, errorPipe] in
            let data = Self.drain(errorPipe)
            collected.withLock { $0.errors = data }
        })
        threads.append(NamedThread.start(name: "child-wait") { [state, usage, child] in
            var status: Int32 = 0
            var resources = rusage()
            while wait4(child, &status, 0, &resources) < 0 && errno == EINTR {}
            usage.withLock { $0 = resources }
            state.withLockThenBroadcast { $0 = status }
        })
    }

    /// CPU seconds (user + system) the child used; complete once it has exited.
    public var cpuSeconds: Double {
        usage.withLock { usage in
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        }
    }

    /// The child's peak resident set in KB; complete once it has exited.
    public var peakResidentKilobytes: Int {
        usage.withLock { Int($0.ru_maxrss) }
    }

    /// The child's current resident set in KB (from `/proc`), or nil once it has exited.
    public var residentKilobytes: Int? { procStatusKilobytes("VmRSS:") }

    /// The child's peak resident set so far in KB (`VmHWM` in `/proc`), or nil once it has exited.
    /// Unlike `ru_maxrss` after exit, it does not count memory the parent had when it spawned the child.
    public var peakResidentKilobytesSoFar: Int? { procStatusKilobytes("VmHWM:") }

    private func procStatusKilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    /// Sends a signal (SIGTERM by default).
    public func signal(_ number: Int32 = SIGTERM) {
        kill(pid, number)
    }

    /// Whether the child is still running.
    public var isRunning: Bool { state.withLock { $0 == nil } }

    /// Waits for the child to exit (on its reaper thread) and returns its exit code, or 128 + the
    /// signal that killed it, plus everything it wrote.
    public func finish() async -> (status: Int32, output: String, errors: String) {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Resumed once, by a helper thread, after the reaper recorded the exit.
            _ = NamedThread.start(name: "child-join") { [state, threads] in
                state.wait(until: { $0 != nil }, timeout: nil) { _ in }
                for thread in threads { thread.join() }
                continuation.resume()
            }
        }
        let (output, errors) = collected.withLock { ($0.output, $0.errors) }
        return (exitCode ?? 0, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    /// The exit code, or 128 + the signal that killed the child; `nil` while it runs. For synchronous
    /// checks after ``waitForExit(timeout:)``.
    public var exitCode: Int32? {
        state.withLock { $0 }.map { raw in raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f) }
    }

    /// Waits synchronously up to `timeout` seconds; true when the child exited. For `deinit`-like paths.
    public func waitForExit(timeout: Double) -> Bool {
        state.wait(until: { $0 != nil }, timeout: timeout) { $0 != nil }
    }

    /// A one-way channel for a standard stream: [read end, write end], close-on-exec.
    private static func channel(_ ends: inout [Int32]) -> Bool {
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return false }
        // One-way, as a pipe: the reader never writes and the writer never reads.
        _ = shutdown(ends[0], Int32(SHUT_WR))
        _ = shutdown(ends[1], Int32(SHUT_RD))
        return true
    }

    private static func drain(_ descriptor: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        close(descriptor)
        return result
    }
}
