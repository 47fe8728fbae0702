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
        /// Events sent to `events` before a sink was installed, replayed to it so none is lost or reordered.
        var early: [HostPortEvent] = []

        /// Sends one event to the sink, or to the stream (remembering it for a sink installed later).
        mutating func emit(_ event: HostPortEvent, to continuation: AsyncStream<HostPortEvent>.Continuation) {
            if let sink {
                sink(event)
                return
            }
            continuation.yield(event)
            // A port whose events are only read from the stream never needs these: keep a bounded number.
            if early.count < PortState.earlyLimit { early.append(event) }
        }

        static let earlyLimit = 4096
        /// How many `.attached` events were yielded: the driver counts them too and tags its writes.
        var generation = 0
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

        do {
            presence = try HostPresenceWatcher(path: slavePath)
            channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            InboundForwarder(state: state, continuation: continuation))
                    }
                }
                .takingOwnershipOfDescriptor(inputOutput: master).get()
        } catch {
            unlink(linkPath)
            throw error
        }
        cleanup = []
        presence.start { [weak self] change in self?.presenceChanged(change) }
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

    private func presenceChanged(_ change: HostPresenceWatcher.Change) {
        let flushNeeded = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            switch change {
            case .opened:
                state.openCount += 1
                if !state.attached {
                    state.attached = true
                    state.generation += 1
                    state.emit(.attached, to: continuation)
                }
                return false
            case .closed:
                state.openCount = max(0, state.openCount - 1)
                if state.openCount == 0, state.attached {
                    state.attached = false
                    state.emit(.detached, to: continuation)
                    return true
                }
                return false
            }
        }
        // Output the last host did not read must not reach the next one (serial-host.md §1.3).
        if flushNeeded { tcflush(slaveDescriptor, TCIFLUSH) }
    }

    /// Writes to the host; dropped while no host is attached or while the host is not reading.
    ///
    /// The reply goes straight to the (non-blocking) master with `write(2)` on the caller's thread:
    /// handing it to the event loop costs a thread wake-up per reply, most of the round trip's time
    /// (Benchmarks/README.md, benchmark 1). Only what the pty does not take at once goes through NIO,
    /// and while NIO holds such bytes, later writes queue behind them so the order is kept.
    package func write(_ bytes: [UInt8]) { write(bytes, forHost: nil) }

    /// Writes to the host of `generation`; dropped when another host attached since (the driver
    /// still answering lines of a host that left must not write into the next host's session).
    package func write(_ bytes: [UInt8], forHost generation: Int) { write(bytes, forHost: Optional(generation)) }

    private func write(_ bytes: [UInt8], forHost generation: Int?) {
        enum Route { case done, queued(ArraySlice<UInt8>) }
        let route = state.withLock { state -> Route in
            guard state.attached, !state.closed, channel.isActive else { return .done }
            if let generation, generation != state.generation { return .done }
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
        guard case .queued(let remainder) = route else { return }
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [state] _ in state.withLock { $0.queuedWrites -= 1 } }
        channel.writeAndFlush(ByteBuffer(bytes: remainder), promise: promise)
    }

    /// Events go straight to `sink` from the NIO and presence threads, under the port's lock so they
    /// stay in order; those already sent to `events` are replayed to it first.
    package func deliverEvents(to sink: @escaping @Sendable (HostPortEvent) -> Void) -> Bool {
        let installed = state.withLock { state -> Bool in
            guard state.sink == nil, state.early.count < PortState.earlyLimit else { return false }
            for event in state.early { sink(event) }
            state.early = []
            state.sink = sink
            return true
        }
        if installed { continuation.finish() }
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

/// Forwards what the host writes; bytes from a host we had not seen open mean it is attached.
private final class InboundForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let state: PseudoTerminal.PortStateBox
    private let continuation: AsyncStream<HostPortEvent>.Continuation

    init(state: PseudoTerminal.PortStateBox, continuation: AsyncStream<HostPortEvent>.Continuation) {
        self.state = state
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        state.withLock { state in
            guard !state.closed else { return }
            if !state.attached {
                state.attached = true
                state.generation += 1
                state.emit(.attached, to: continuation)
            }
            state.emit(.bytes(bytes), to: continuation)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A read error on the master (EIO) cannot happen while we hold the slave; ignore others.
    }
}

/// A pty call that failed, with the errno text.
package struct PTYError: Error, CustomStringConvertible, Equatable {
    package var operation: String
    package var errno: Int32
    package var description: String { "\(operation) failed: \(String(cString: strerror(errno)))" }
}
