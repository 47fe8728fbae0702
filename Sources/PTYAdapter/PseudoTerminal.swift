// SPDX-License-Identifier: AGPL-3.0-or-later
// One printer's serial port: a pty pair, its /dev/bambu/<name> link and host presence.

#if canImport(Glibc)
import Glibc
#endif
package import BridgeRuntime
package import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A pseudo-terminal that serial hosts open as if it were a USB printer.
///
/// Exists to own everything about the port (design §2.6, serial-host.md §1): the pair is
/// created raw with `HUPCL` cleared, the slave gets the configured group and mode, a symlink is
/// swapped in atomically, and one slave descriptor stays open for the port's life so a host
/// closing and reopening never breaks the master. Host presence comes from inotify open/close
/// events on the slave; output is dropped while nobody is attached.
///
/// Which host wrote the bytes read from the master is decided on the master's event loop from the
/// inotify events read just before the master is read empty (`HostInput`): the kernel queues a
/// host's open before its first write can reach the master and a write's event after its bytes
/// did, so bytes that follow a new host's open are the new host's, and bytes before it the old
/// host's (their commands run, their replies are dropped). Writes first read the queued events
/// too, so a reply is not written once another host has opened the port, and read them again right
/// after, flushing the reply when a host opened in between (issue 8). What is left is a window of a
/// few system calls, from the `write(2)` to that flush, in which a host that opened just before the
/// write and reads at once could see such a reply: the kernel offers no way to close it from here.
///
/// `@unchecked Sendable`: the descriptors are set once in `init` and closed once in `close()`;
/// mutable state lives in `state` behind a lock; the NIO channel is thread-safe.
package final class PseudoTerminal: HostPort, @unchecked Sendable {
    /// `<device_dir>/<name>`.
    package let linkPath: String
    /// The slave device, e.g. `/dev/pts/7`.
    package let slavePath: String
    package let events: AsyncStream<HostPortEvent>

    private let slaveDescriptor: Int32
    /// The master, owned by `channel`; `write` also writes to it directly (see there).
    private let masterDescriptor: Int32
    private let channel: any Channel
    private let presence: HostPresenceWatcher
    private let continuation: AsyncStream<HostPortEvent>.Continuation
    private let state: PortStateBox
    private let input: HostInput
    private let logger: Logger

    struct PortState {
        var attached = false
        var openCount = 0
        var closed = false
        var droppedWrites = 0
        /// Writes handed to NIO and not finished yet; direct writes wait until there are none (ordering).
        var queuedWrites = 0
        /// Where events go once the driver asked for them directly (`deliverEvents(to:)`).
        var sink: (@Sendable (HostPortEvent) -> Void)?
        /// Called after a batch of events went to `sink`, outside the lock.
        var delivered: (@Sendable () -> Void)?
        /// Events emitted since `delivered` was last called.
        var undelivered = 0
        /// Events sent to `events` before a sink was installed, replayed to it so none is lost or reordered.
        var early: [HostPortEvent] = []

        /// Sends one event to the sink, or to the stream (remembering it for a sink installed later).
        mutating func emit(_ event: HostPortEvent, to continuation: AsyncStream<HostPortEvent>.Continuation) {
            if let sink {
                sink(event)
                undelivered += 1
                return
            }
            continuation.yield(event)
            // A port whose events are only read from the stream never needs these: keep a bounded number.
            if early.count < PortState.earlyLimit { early.append(event) }
        }

        static let earlyLimit = 4096
        /// How many `.attached` events were yielded: the driver counts them too and tags its writes.
        var generation = 0
        /// Opens, writes and closes the monitor reported and the event loop has not applied yet.
        var unapplied: [HostPresenceWatcher.Change] = []
        /// Whether a `catchUp` is scheduled on the event loop for `unapplied`.
        var catchUpScheduled = false
        /// Whether the event loop is in `readAndApply`, between reading the monitor's events and
        /// applying `unapplied`: what arrives meanwhile is applied there, with no `catchUp` of its own
        /// (one per line, four system calls that found nothing; benchmark 1).
        var applying = false

        /// How many hosts have the port open once `unapplied` is applied.
        var openCountAfterUnapplied: Int {
            unapplied.reduce(openCount) { count, change in
                switch change {
                case .opened: count + 1
                case .closed: max(0, count - 1)
                case .modified: count
                }
            }
        }

        /// Whether a host opened or closed the port and the event loop has not applied it yet.
        var hostChangeUnapplied: Bool { unapplied.contains { $0 != .modified } }
    }

    /// The port state behind a lock, shared by the port and its channel handler.
    final class PortStateBox: Sendable {
        let mutex = NIOLockedValueBox(PortState())
        func withLock<Result>(_ body: (inout PortState) -> Result) -> Result { mutex.withLockedValue { body(&$0) } }
    }

    /// Creates the pty, sets it up and links it as `<directory>/<name>`.
    /// - Throws: `PTYError` naming the failing call.
    package init(
        name: String, directory: String, group: String?, mode: UInt32, logger: Logger
    ) async throws {
        self.logger = logger
        var master: Int32 = -1
        var slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw PTYError(operation: "openpty", errno: errno) }
        var cleanup = [master, slave]
        defer { for fd in cleanup { Glibc.close(fd) } }

        var attributes = termios()
        guard tcgetattr(slave, &attributes) == 0 else { throw PTYError(operation: "tcgetattr", errno: errno) }
        cfmakeraw(&attributes)
        attributes.c_cflag &= ~tcflag_t(HUPCL)
        cfsetispeed(&attributes, speed_t(B115200))
        cfsetospeed(&attributes, speed_t(B115200))
        guard tcsetattr(slave, TCSANOW, &attributes) == 0 else { throw PTYError(operation: "tcsetattr", errno: errno) }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)  // `write` must never block
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)

        // ttyname_r, not ttyname: slots start concurrently and ttyname shares one static buffer.
        var nameBuffer = [CChar](repeating: 0, count: 256)
        let nameResult = ttyname_r(slave, &nameBuffer, nameBuffer.count)
        guard nameResult == 0 else { throw PTYError(operation: "ttyname_r", errno: nameResult) }
        let slavePath = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.slavePath = slavePath

        if let group {
            if let entry = getgrnam(group) {
                if fchown(slave, uid_t.max, entry.pointee.gr_gid) != 0 {
                    logger.warning(
                        "cannot give the port to its group",
                        metadata: ["pty.group": "\(group)", "error": "\(String(cString: strerror(errno)))"])
                }
            } else {
                logger.warning("serial group does not exist; port keeps group tty", metadata: ["pty.group": "\(group)"])
            }
        }
        if fchmod(slave, mode_t(mode)) != 0 { throw PTYError(operation: "fchmod", errno: errno) }

        let linkPath = directory + "/" + name
        self.linkPath = linkPath
        try Self.link(slavePath, at: linkPath)

        let (events, continuation) = AsyncStream<HostPortEvent>.makeStream()
        self.events = events
        self.continuation = continuation
        let state = PortStateBox()
        self.state = state
        self.slaveDescriptor = slave
        self.masterDescriptor = master

        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let input = HostInput(
            state: state, continuation: continuation, master: master, slave: slave, eventLoop: loop)
        self.input = input
        do {
            presence = try HostPresenceWatcher(path: slavePath)
            // One read per wake-up: `HostInput` reads the master empty itself right after (benchmark 1).
            channel = try await NIOPipeBootstrap(group: loop)
                .channelOption(.maxMessagesPerRead, value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(InboundForwarder(input: input))
                    }
                }
                .takingOwnershipOfDescriptor(inputOutput: master).get()
        } catch {
            unlink(linkPath)
            throw error
        }
        cleanup = []
        presence.start { [input] change in input.presenceChanged(change) }
    }

    /// Creates the symlink under a temporary name and renames it over `path`, so the link is never missing.
    private static func link(_ target: String, at path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else { throw PTYError(operation: "symlink \(path)", errno: errno) }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw PTYError(operation: "rename to \(path)", errno: code)
        }
    }

    /// Writes to the host; dropped while no host is attached or while the host is not reading.
    ///
    /// The reply goes straight to the (non-blocking) master with `write(2)` on the caller's thread:
    /// handing it to the event loop costs a thread wake-up per reply, most of the round trip's time
    /// (BENCHMARKS.md, benchmark 1). Only what the pty does not take at once goes through NIO,
    /// and while NIO holds such bytes, later writes queue behind them so the order is kept.
    package func write(_ bytes: [UInt8]) { write(bytes, forHost: nil) }

    /// Writes to the host of `generation`; dropped when another host attached since (the driver
    /// still answering lines of a host that left must not write into the next host's session).
    package func write(_ bytes: [UInt8], forHost generation: Int) { write(bytes, forHost: Optional(generation)) }

    private func write(_ bytes: [UInt8], forHost generation: Int?) {
        enum Route { case done, queued(ArraySlice<UInt8>) }
        // Under the monitor's lock, after it handed out every event queued so far: events are handed
        // out only by `drain` below, so an open the check missed is seen by the drain right after the
        // write, and the reply is flushed before the new host's read can usually get it (a few system
        // calls later; issue 8).
        let route = PresenceMonitor.shared.withEventsDrained { drain -> Route in
            var wrote = false
            let route = state.withLock { state -> Route in
                guard state.attached, !state.closed, channel.isActive else { return .done }
                if let generation, generation != state.generation { return .done }
                if state.hostChangeUnapplied { return .done }
                wrote = true
                guard channel.isWritable else {
                    state.droppedWrites += 1
                    return .done
                }
                if state.queuedWrites > 0 {
                    state.queuedWrites += 1
                    return .queued(bytes[...])
                }
                // Written under the lock: `close()` cannot close the descriptor meanwhile.
                var written = 0
                while written < bytes.count {
                    let count = bytes[written...].withUnsafeBytes { Glibc.write(masterDescriptor, $0.baseAddress, $0.count) }
                    if count > 0 {
                        written += count
                    } else if count < 0 && errno == EINTR {
                        continue
                    } else {
                        break  // EAGAIN: the pty is full; NIO writes the rest when it drains
                    }
                }
                guard written < bytes.count else { return .done }
                state.queuedWrites += 1
                return .queued(bytes[written...])
            }
            if wrote {
                drain()
                input.discardOutputIfHostChanged()
            }
            return route
        }
        guard case .queued(let remainder) = route else { return }
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [state] _ in state.withLock { $0.queuedWrites -= 1 } }
        // Through the loop's task queue even when called on the loop: a write queued from another
        // thread waits there as a task, and NIO runs `writeAndFlush` in place when called on the loop,
        // which would put this reply ahead of it (the driver writes from both; issue 8 review).
        channel.eventLoop.execute { [channel] in
            channel.writeAndFlush(ByteBuffer(bytes: remainder), promise: promise)
        }
    }

    /// Events go straight to `sink` from the master's event loop, under the port's lock so they stay
    /// in order; those already sent to `events` are replayed to it first. `delivered` runs on the event
    /// loop after each batch, once the lock is released.
    package func deliverEvents(
        to sink: @escaping @Sendable (HostPortEvent) -> Void, then delivered: @escaping @Sendable () -> Void
    ) -> Bool {
        let installed = state.withLock { state -> Bool in
            guard state.sink == nil, state.early.count < PortState.earlyLimit else { return false }
            for event in state.early { sink(event) }
            state.undelivered = state.early.count
            state.early = []
            state.sink = sink
            state.delivered = delivered
            return true
        }
        if installed {
            continuation.finish()
            input.scheduleDelivery()
        }
        return installed
    }

    /// Whether a host has the port open.
    package var isHostAttached: Bool { state.withLock { $0.attached } }

    /// Removes the link (if it still points here), closes the pty and ends `events`.
    package func close() async {
        let alreadyClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        presence.stop()
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink(linkPath, &buffer, buffer.count - 1)
        if length > 0, String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) == slavePath {
            unlink(linkPath)
        }
        try? await channel.close()
        Glibc.close(slaveDescriptor)
        continuation.finish()
    }
}

/// Hands what NIO reads from the master to `HostInput`, which decides whose bytes they are.
private final class InboundForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let input: HostInput

    init(input: HostInput) {
        self.input = input
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        input.catchUp(with: bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A read error on the master (EIO) cannot happen while we hold the slave; ignore others.
    }
}

/// Puts the host's bytes and the host's opens and closes into one order on the master's event loop.
///
/// Exists because the two come from different places (the master descriptor and the shared inotify
/// thread) and a session must never answer one host's lines to the next (issue 8). Runs only on
/// `eventLoop`, except `presenceChanged` (the monitor's lock) and `discardOutputIfHostChanged` (a writer).
final class HostInput: Sendable {
    private let state: PseudoTerminal.PortStateBox
    private let continuation: AsyncStream<HostPortEvent>.Continuation
    private let master: Int32
    private let slave: Int32
    private let eventLoop: any EventLoop
    /// Where `readAvailable` reads the master; allocated once, as every line ends with a read that
    /// finds it empty (benchmark 1). Touched only on `eventLoop`.
    nonisolated(unsafe) private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)

    init(
        state: PseudoTerminal.PortStateBox, continuation: AsyncStream<HostPortEvent>.Continuation,
        master: Int32, slave: Int32, eventLoop: any EventLoop
    ) {
        self.state = state
        self.continuation = continuation
        self.master = master
        self.slave = slave
        self.eventLoop = eventLoop
    }

    deinit {
        readBuffer.deallocate()
    }

    /// The monitor saw an open, write or close: remember it and have the event loop apply it.
    func presenceChanged(_ change: HostPresenceWatcher.Change) {
        let schedule = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.unapplied.append(change)
            // The last host left: what it did not read goes now, not when the event loop gets to the
            // close, as the next host may open and read before that (its replies are dropped already).
            if change == .closed, state.openCountAfterUnapplied == 0 { tcflush(slave, TCIFLUSH) }
            guard !state.catchUpScheduled, !state.applying else { return false }
            state.catchUpScheduled = true
            return true
        }
        if schedule { eventLoop.execute { [self] in catchUp(with: nil) } }
    }

    /// Applies what the monitor saw and delivers `bytes` (just read from the master by NIO) and
    /// whatever else the master holds at the right place among the opens and closes.
    ///
    /// Host output is stopped (`tcflow(TCOOFF)`), the monitor's events are read, and then the master
    /// is read empty. A host `write` returns, and queues its `IN_MODIFY`, only after its bytes are on
    /// their way to the master, and a read that finds the master empty first waits for bytes on
    /// their way: so every write whose event was read has its bytes in `chunk`. Reading the master
    /// before the events lost that: a write the kernel had not yet handed to the master when the
    /// master was read could have its event read, with the host's close and the next host's open,
    /// and its bytes then went to the next host (issue 8). The only other bytes in `chunk` come from
    /// writes already under way when output stopped, by a host whose open was read. When a host left
    /// and the next one arrived and both wrote, the kernel keeps no boundary between their bytes: the
    /// new host gets the last line (a host that just opened the port sends one line and waits for its
    /// answer; serial-host.md §2), the rest is the departed host's, whose commands run and whose
    /// replies are dropped.
    func catchUp(with bytes: [UInt8]?) {
        readAndApply(bytes)
        deliver()
    }

    /// Has the driver handle what was replayed to it, on the event loop like every other batch.
    func scheduleDelivery() {
        eventLoop.execute { [self] in deliver() }
    }

    /// Calls the driver's `delivered` when events went to its sink since the last call (lock released).
    private func deliver() {
        let delivered = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.undelivered > 0 else { return nil }
            state.undelivered = 0
            return state.delivered
        }
        delivered?()
    }

    private func readAndApply(_ bytes: [UInt8]?) {
        // `close()` closes the master on this event loop, so it stays open while this runs.
        guard !state.withLock({ $0.closed }) else { return }
        tcflow(slave, TCOOFF)
        defer { tcflow(slave, TCOON) }
        state.withLock { $0.applying = true }
        PresenceMonitor.shared.drainEvents()
        let more = readAvailable()
        let chunk = more.isEmpty ? bytes ?? [] : (bytes ?? []) + more  // usually nothing more: no copy
        state.withLock { state in
            state.catchUpScheduled = false
            state.applying = false
            guard !state.closed else { return }
            let changes = state.unapplied
            state.unapplied = []
            // The newest host that opened the port when nobody had it open: bytes after its open are its own.
            var newHostOpen: Int?
            var opens = state.openCount
            for (index, change) in changes.enumerated() {
                switch change {
                case .opened:
                    if opens == 0 { newHostOpen = index }
                    opens += 1
                case .closed:
                    opens = max(0, opens - 1)
                case .modified:
                    break
                }
            }
            var old = chunk[...]
            var new: ArraySlice<UInt8> = []
            if let newHostOpen {
                // Earlier hosts' writes whose events came before this batch were read with that batch.
                let earlierHostWrote = changes[..<newHostOpen].contains(.modified)
                let newHostWrote = changes[(newHostOpen + 1)...].contains(.modified)
                if !earlierHostWrote {
                    (old, new) = ([], chunk[...])
                } else if newHostWrote {
                    let split = Self.lastLineStart(chunk)
                    (old, new) = (chunk[..<split], chunk[split...])
                }
                // Else the bytes are the earlier hosts', unless the new host's first write was under way
                // when output stopped: then its first line is taken for theirs and gets no answer.
            }
            let newHostPlace = newHostOpen.map { $0 + 1 }
            if !old.isEmpty { state.emit(.bytes(Array(old)), to: continuation) }
            for (index, change) in changes.enumerated() {
                if index == newHostPlace, !new.isEmpty { state.emit(.bytes(Array(new)), to: continuation) }
                apply(change, to: &state)
            }
            if newHostPlace == changes.count, !new.isEmpty { state.emit(.bytes(Array(new)), to: continuation) }
        }
    }

    /// Where the last line of `bytes` starts (its last complete line, or the unfinished one at the end).
    static func lastLineStart(_ bytes: [UInt8]) -> Int {
        let newline = UInt8(ascii: "\n")
        var end = bytes.count
        if end > 0, bytes[end - 1] == newline { end -= 1 }
        guard let previous = bytes[..<end].lastIndex(of: newline) else { return 0 }
        return previous + 1
    }

    /// A reply was just written and the monitor's events drained: when a host opened or closed
    /// meanwhile, the reply (and anything else the pty holds for the host) must not be read by the next one.
    func discardOutputIfHostChanged() {
        state.withLock { state in
            if state.hostChangeUnapplied, !state.closed { tcflush(slave, TCIFLUSH) }
        }
    }

    private func apply(_ change: HostPresenceWatcher.Change, to state: inout PseudoTerminal.PortState) {
        switch change {
        case .opened:
            state.openCount += 1
            if !state.attached {
                // Output the last host did not read must not reach this one (serial-host.md §1.3).
                tcflush(slave, TCIFLUSH)
                state.attached = true
                state.generation += 1
                state.emit(.attached, to: continuation)
            }
        case .closed:
            state.openCount = max(0, state.openCount - 1)
            if state.openCount == 0, state.attached {
                state.attached = false
                state.emit(.detached, to: continuation)
                tcflush(slave, TCIFLUSH)
            }
        case .modified:
            break
        }
    }

    /// Reads what the (non-blocking) master holds; on the event loop, so NIO is not reading meanwhile.
    private func readAvailable() -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let count = Glibc.read(master, readBuffer.baseAddress, readBuffer.count)
            if count > 0 {
                result += UnsafeRawBufferPointer(rebasing: readBuffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return result
            }
        }
    }
}

/// A pty call that failed, with the errno text.
package struct PTYError: Error, CustomStringConvertible, Equatable {
    package var operation: String
    package var errno: Int32
    package var description: String { "\(operation) failed: \(String(cString: strerror(errno)))" }
}
