// SPDX-License-Identifier: AGPL-3.0-or-later
// Watches pty slaves for opens, writes and closes by other processes (inotify), one thread for all ports.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOConcurrencyHelpers

/// Reports when a process opens, writes to or closes one pty slave.
///
/// Exists because a pty gives its master no signal when a host attaches while the daemon holds
/// a slave descriptor (recipes: inotify `IN_OPEN`/`IN_CLOSE_*` on the slave works). The kernel
/// queues these events inside the host's own `open`, `write` and `close` calls, so they are in the
/// order the host did them; `IN_MODIFY` tells the port that a new host has written (issue 8). Every port
/// shares two inotify instances and one thread (`PresenceMonitor`): the kernel allows 128 inotify
/// instances per user by default, fewer than a print farm has printers.
final class HostPresenceWatcher: Sendable {
    enum Change: Sendable, Equatable { case opened, modified, closed }

    private let watch: Int32

    init(path: String) throws {
        watch = try PresenceMonitor.shared.addWatch(path)
    }

    /// `onChange` runs for each open, write and close, on the monitor's thread or on the thread of
    /// whoever drained the queue (`drainEvents`, `withEventsDrained`), always under the monitor's
    /// lock and in order.
    func start(_ onChange: @escaping @Sendable (Change) -> Void) {
        PresenceMonitor.shared.setHandler(onChange, for: watch)
    }

    /// Stops reporting (the watch is removed).
    func stop() {
        PresenceMonitor.shared.removeWatch(watch)
    }
}

/// The inotify instances and the thread behind every `HostPresenceWatcher`.
///
/// Two instances watch every slave. The ordered one (opens, writes, closes) is what ports read: any
/// thread may read its queued events at once (`drainEvents`), and a port does so right after reading
/// the master, so it knows of every host that could have written the bytes it read. The doorbell
/// (opens and closes only) is what the thread waits on, with a blocking `poll`, never on Swift's
/// cooperative pool: a host that opens or closes the port and writes nothing still has to be seen,
/// but every line a host writes queues a write event, and a thread woken for each of them took the
/// monitor's lock against the port reading that very line (benchmark 1). The port's own read of the
/// master hands those events out; the thread wakes only when a host comes or goes. Handlers are looked
/// up by watch descriptor under a lock; events of a removed watch are dropped.
final class PresenceMonitor: Sendable {
    static let shared = PresenceMonitor()

    private struct State {
        /// The ordered instance (`IN_OPEN`, `IN_MODIFY`, `IN_CLOSE_*`), read only under the lock.
        var descriptor: Int32 = -1
        /// The doorbell instance (`IN_OPEN`, `IN_CLOSE_*`), read only by the thread.
        var doorbell: Int32 = -1
        /// The doorbell's watch of each ordered watch, to remove both together.
        var doorbellWatches: [Int32: Int32] = [:]
        var handlers: [Int32: @Sendable (HostPresenceWatcher.Change) -> Void] = [:]
        /// Changes of watches whose port has not installed its handler yet, replayed to it in order.
        var pending: [Int32: [HostPresenceWatcher.Change]] = [:]
        var started = false
        /// Opens and closes read from the ordered instance so far; the thread waits until that
        /// reaches what the doorbell announced (the kernel queues the two a moment apart).
        var hostChangesRead = 0
        /// Where `drain` reads events; allocated once, as every reply drains twice (benchmark 1).
        var buffer = [UInt8](repeating: 0, count: 16384)
    }

    private let state = NIOLockedValueBox(State())

    private init() {}

    private static let hostChangeMask = UInt32(IN_OPEN) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)

    /// Adds a watch on `path`, starting the instances and the thread the first time.
    func addWatch(_ path: String) throws -> Int32 {
        let (doorbell, start) = try state.withLockedValue { state throws -> (Int32, Bool) in
            if state.descriptor < 0 {
                let descriptor = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
                guard descriptor >= 0 else { throw PTYError(operation: "inotify_init1", errno: errno) }
                let doorbell = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
                guard doorbell >= 0 else {
                    let code = errno
                    close(descriptor)
                    throw PTYError(operation: "inotify_init1", errno: code)
                }
                state.descriptor = descriptor
                state.doorbell = doorbell
            }
            defer { state.started = true }
            return (state.doorbell, !state.started)
        }
        if start { startThread(doorbell) }
        // Under the lock, so the thread cannot see an event of this watch before it is registered.
        return try state.withLockedValue { state throws -> Int32 in
            let watch = inotify_add_watch(state.descriptor, path, Self.hostChangeMask | UInt32(IN_MODIFY))
            guard watch >= 0 else { throw PTYError(operation: "inotify_add_watch \(path)", errno: errno) }
            let doorbellWatch = inotify_add_watch(state.doorbell, path, Self.hostChangeMask)
            guard doorbellWatch >= 0 else {
                let code = errno
                _ = inotify_rm_watch(state.descriptor, watch)
                throw PTYError(operation: "inotify_add_watch \(path)", errno: code)
            }
            state.doorbellWatches[watch] = doorbellWatch
            state.pending[watch] = []
            return watch
        }
    }

    /// Installs the port's handler and replays what happened since the watch was added.
    /// Handlers run under the monitor's lock, so each port sees its changes in order.
    func setHandler(_ handler: @escaping @Sendable (HostPresenceWatcher.Change) -> Void, for watch: Int32) {
        state.withLockedValue { state in
            for change in state.pending.removeValue(forKey: watch) ?? [] { handler(change) }
            state.handlers[watch] = handler
        }
    }

    func removeWatch(_ watch: Int32) {
        state.withLockedValue { state in
            state.handlers[watch] = nil
            state.pending[watch] = nil
            _ = inotify_rm_watch(state.descriptor, watch)
            if let doorbellWatch = state.doorbellWatches.removeValue(forKey: watch) {
                _ = inotify_rm_watch(state.doorbell, doorbellWatch)
            }
        }
    }

    /// Reads every queued event and hands each to its port, in order; never blocks.
    func drainEvents() {
        state.withLockedValue { state in drain(&state) }
    }

    /// Runs `body` under the monitor's lock after handing out every queued event; `drain` hands out
    /// those queued since. No other thread hands out events meanwhile, so a port that checks its
    /// hosts, writes, then drains again learns of every open that happened before its write.
    func withEventsDrained<Result>(_ body: (_ drain: () -> Void) -> Result) -> Result {
        state.withLockedValue { state in
            drain(&state)
            return body { drain(&state) }
        }
    }

    /// The largest event the ordered instance queues: watches are on files, so no name follows.
    private static let eventSize = 16

    private func drain(_ state: inout State) {
        guard state.descriptor >= 0 else { return }
        var buffer: [UInt8] = []
        swap(&buffer, &state.buffer)
        defer { swap(&buffer, &state.buffer) }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(state.descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            Self.forEachEvent(in: buffer, count: count) { watch, mask in
                if mask & UInt32(IN_OPEN) != 0 {
                    state.hostChangesRead += 1
                    deliver(.opened, watch: watch, in: &state)
                }
                if mask & UInt32(IN_MODIFY) != 0 { deliver(.modified, watch: watch, in: &state) }
                if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)) != 0 {
                    state.hostChangesRead += 1
                    deliver(.closed, watch: watch, in: &state)
                }
            }
            // The kernel hands out as many queued events as fit: room left for another one means
            // the queue was empty as of this read, and one more read would only find it so.
            guard buffer.count - count >= Self.eventSize else { continue }
            return
        }
    }

    /// Calls `body` with the watch and mask of each event in the first `count` bytes of `buffer`,
    /// as `read` returned them from an inotify descriptor.
    @inline(__always)
    private static func forEachEvent(in buffer: [UInt8], count: Int, _ body: (_ watch: Int32, _ mask: UInt32) -> Void) {
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset + 16 <= count {
                // struct inotify_event: wd (4), mask (4), cookie (4), len (4), name[len].
                body(
                    bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                    bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                offset += 16 + Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            }
        }
    }

    /// Hands one change to its port, or keeps it until the port installs its handler.
    private func deliver(_ change: HostPresenceWatcher.Change, watch: Int32, in state: inout State) {
        if let handler = state.handlers[watch] {
            handler(change)
        } else if state.pending[watch] != nil {
            state.pending[watch]?.append(change)
        }
    }

    /// Waits on the doorbell; for each open or close it rings for, the ordered instance is drained
    /// until that many opens and closes were read from it (by this thread or by a port).
    private func startThread(_ doorbell: Int32) {
        let thread = Thread { [self] in
            var poller = pollfd(fd: doorbell, events: Int16(POLLIN), revents: 0)
            var announced = 0
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                poller.revents = 0
                let ready = poll(&poller, 1, -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(doorbell, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    Self.forEachEvent(in: buffer, count: count) { _, mask in
                        if mask & UInt32(IN_OPEN) != 0 { announced += 1 }
                        if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)) != 0 { announced += 1 }
                    }
                }
                // The same open or close reaches the ordered instance a moment before or after the
                // doorbell; wait for it briefly (bounded: an overflowed queue never catches up).
                for attempt in 0..<1_000 {
                    let caughtUp = state.withLockedValue { state -> Bool in
                        drain(&state)
                        return state.hostChangesRead >= announced
                    }
                    if caughtUp { break }
                    if attempt == 999 {
                        announced = state.withLockedValue { $0.hostChangesRead }
                    } else {
                        sched_yield()
                    }
                }
            }
        }
        thread.name = "pty-presence"
        thread.start()
    }
}
