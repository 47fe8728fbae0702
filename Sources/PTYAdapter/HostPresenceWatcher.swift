// SPDX-License-Identifier: AGPL-3.0-or-later
// Watches pty slaves for opens and closes by other processes (inotify), on one thread for all ports.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// Reports when a process opens, writes to or closes one pty slave.
///
/// Exists because a pty gives its master no signal when a host attaches while the daemon holds
/// a slave descriptor (recipes: inotify `IN_OPEN`/`IN_CLOSE_*` on the slave works). The kernel
/// queues these events inside the host's own `open`, `write` and `close` calls, so they are in the
/// order the host did them; `IN_MODIFY` tells the port that a new host has written (issue 8). Every port
/// shares one inotify instance and one thread (`PresenceMonitor`): the kernel allows 128 inotify
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

/// The one inotify instance and thread behind every `HostPresenceWatcher`.
///
/// The blocking `poll` runs on a dedicated thread, never on Swift's cooperative pool. Handlers are
/// looked up by watch descriptor under a lock; events of a removed watch are dropped. Any thread may
/// also read the queued events at once (`drainEvents`): a port does so right after reading the
/// master, so it knows of every host that could have written the bytes it read.
final class PresenceMonitor: Sendable {
    static let shared = PresenceMonitor()

    private struct State {
        var descriptor: Int32 = -1
        var handlers: [Int32: @Sendable (HostPresenceWatcher.Change) -> Void] = [:]
        /// Changes of watches whose port has not installed its handler yet, replayed to it in order.
        var pending: [Int32: [HostPresenceWatcher.Change]] = [:]
        var started = false
        /// Where `drain` reads events; allocated once, as every reply drains twice (benchmark 1).
        var buffer = [UInt8](repeating: 0, count: 16384)
    }

    private let state = NIOLockedValueBox(State())
    /// The inotify descriptor once created (-1 before), readable without the lock (`hasQueuedEvents`).
    private let sharedDescriptor = Atomic<Int32>(-1)

    private init() {}

    /// Adds a watch on `path`, starting the instance and its thread the first time.
    func addWatch(_ path: String) throws -> Int32 {
        let (descriptor, start) = try state.withLockedValue { state throws -> (Int32, Bool) in
            if state.descriptor < 0 {
                let descriptor = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
                guard descriptor >= 0 else { throw PTYError(operation: "inotify_init1", errno: errno) }
                state.descriptor = descriptor
                sharedDescriptor.store(descriptor, ordering: .releasing)
            }
            defer { state.started = true }
            return (state.descriptor, !state.started)
        }
        if start { startThread(descriptor) }
        let mask = UInt32(IN_OPEN) | UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)
        // Under the lock, so the thread cannot see an event of this watch before it is registered.
        return try state.withLockedValue { state throws -> Int32 in
            let watch = inotify_add_watch(descriptor, path, mask)
            guard watch >= 0 else { throw PTYError(operation: "inotify_add_watch \(path)", errno: errno) }
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
        let descriptor = state.withLockedValue { state -> Int32 in
            state.handlers[watch] = nil
            state.pending[watch] = nil
            return state.descriptor
        }
        _ = inotify_rm_watch(descriptor, watch)
    }

    /// Whether the kernel holds events nobody has read yet; takes no lock, so a port may ask while
    /// holding its own (handlers run under the monitor's lock and take the port's).
    func hasQueuedEvents() -> Bool {
        let descriptor = sharedDescriptor.load(ordering: .acquiring)
        guard descriptor >= 0 else { return false }
        var count: Int32 = 0
        return ioctl(descriptor, UInt(FIONREAD), &count) == 0 && count > 0
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

    private func drain(_ state: inout State) {
        guard state.descriptor >= 0 else { return }
        var buffer: [UInt8] = []
        swap(&buffer, &state.buffer)
        defer { swap(&buffer, &state.buffer) }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(state.descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            var offset = 0
            while offset + 16 <= count {
                // struct inotify_event: wd (4), mask (4), cookie (4), len (4), name[len].
                let (watch, mask, nameLength) = buffer.withUnsafeBytes {
                    (
                        $0.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                        $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                    )
                }
                offset += 16 + Int(nameLength)
                if mask & UInt32(IN_OPEN) != 0 { deliver(.opened, watch: watch, in: &state) }
                if mask & UInt32(IN_MODIFY) != 0 { deliver(.modified, watch: watch, in: &state) }
                if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_CLOSE_NOWRITE)) != 0 {
                    deliver(.closed, watch: watch, in: &state)
                }
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

    private func startThread(_ descriptor: Int32) {
        let thread = Thread { [self] in
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            while true {
                poller.revents = 0
                let ready = poll(&poller, 1, -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                drainEvents()
            }
        }
        thread.name = "pty-presence"
        thread.start()
    }
}
