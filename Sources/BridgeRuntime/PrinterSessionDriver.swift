// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs one PrinterSession: feeds it port, link and timer events and carries out its effects.

#if canImport(Glibc)
import Glibc
#endif
import BambuModel
package import BridgeCore
package import Logging
import GCode
import NIOConcurrencyHelpers

/// The loop behind one printer slot.
///
/// Exists to keep the core pure: this is the only place that reads the clock, sleeps, writes to
/// the host and publishes for a session. Its events go through one inbox, taken by one thread at a
/// time (`SessionRunner`: the loop's task, or the pty's thread for host lines), so the session
/// itself needs no locks (design §2.5).
package struct PrinterSessionDriver: Sendable {
    /// The session until `run` takes it: held out of line (a `PrinterSession` is about 1 KB), so the
    /// frames that hold this driver stay small and the session lives once, in the runner
    /// (BENCHMARKS.md, benchmark 3).
    private let initialSession: NIOLockedValueBox<[PrinterSession]>
    private let port: any HostPort
    private let links: AsyncStream<PrinterConnection>
    private let current: CurrentConnection
    private let logger: Logger
    private let observer: SessionObserver
    private let spoolDirectory: String
    private let snapshots: (any CameraSnapshotter)?

    /// A driver whose printer link (and storage) can be replaced while it runs (configuration reload):
    /// each value on `links` replaces the previous one once the previous link's events end.
    package init(
        session: PrinterSession, port: any HostPort, links: AsyncStream<PrinterConnection>, logger: Logger,
        spoolDirectory: String = "/tmp", observer: SessionObserver = SessionObserver(),
        snapshots: (any CameraSnapshotter)? = nil
    ) {
        self.initialSession = NIOLockedValueBox([session])
        self.port = port
        self.links = links
        self.current = CurrentConnection()
        self.logger = logger
        self.observer = observer
        self.spoolDirectory = spoolDirectory
        self.snapshots = snapshots
    }

    /// A driver with one fixed link.
    package init(
        session: PrinterSession, port: any HostPort, link: any PrinterLink, logger: Logger,
        storage: (any PrinterStorage)? = nil, spoolDirectory: String = "/tmp",
        observer: SessionObserver = SessionObserver(), snapshots: (any CameraSnapshotter)? = nil
    ) {
        let (links, continuation) = AsyncStream<PrinterConnection>.makeStream()
        continuation.yield(PrinterConnection(link: link, storage: storage))
        self.init(
            session: session, port: port, links: links, logger: logger, spoolDirectory: spoolDirectory,
            observer: observer, snapshots: snapshots)
    }

    /// Moves the session into its runner (nil when `run` already took it). Not async, so no frame
    /// of `run` keeps a copy of the session.
    @inline(never)  // inlined, its locals would become part of the async caller's frame
    private func makeRunner(
        inbox: SessionInbox, storage continuation: AsyncStream<StorageCommand>.Continuation
    ) -> (SessionRunner, StorageWorker)? {
        let taken = initialSession.withLockedValue { sessions -> PrinterSession? in
            defer { sessions = [] }
            return sessions.first
        }
        guard let session = taken else { return nil }
        let storage = StorageWorker(
            storage: { [current] in current.connection?.storage }, spoolDirectory: spoolDirectory,
            printerName: session.configuration.printerName)
        let runner = SessionRunner(
            session: session, inbox: inbox, port: port, current: current, logger: logger, observer: observer,
            storage: continuation, snapshots: snapshots)
        return (runner, storage)
    }

    /// Runs until the task is cancelled or both ports finish; a driver runs once (a second call returns at once).
    package func run() async {
        // Host lines go ahead of a report backlog (SessionInbox).
        let inbox = SessionInbox()
        let (storageCommands, storageContinuation) = AsyncStream<StorageCommand>.makeStream()
        guard let (runner, storage) = makeRunner(inbox: inbox, storage: storageContinuation) else { return }
        observer.registerPing { inbox.yield(.tick) }
        observer.registerSink { inbox.yield($0) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await storage.run(storageCommands) { inbox.yield($0) }
            }
            let forward: @Sendable (HostPortEvent, Bool) -> Void = { event, wakingLoop in
                switch event {
                case .bytes(let bytes): inbox.yield(.hostBytes(bytes), wakingLoop: wakingLoop)
                case .attached: inbox.yield(.hostAttached, wakingLoop: wakingLoop)
                case .detached: inbox.yield(.hostDetached, wakingLoop: wakingLoop)
                }
            }
            runner.start()
            // Host events are handled on the port's thread right after they arrive, when the loop is not
            // busy: a hop to the loop's task costs a thread wake-up per line (benchmark 1).
            let direct = port.deliverEvents(to: { forward($0, false) }, then: { runner.drain(onPortThread: true) })
            if !direct {
                group.addTask { [port] in
                    for await event in port.events { forward(event, true) }
                }
            }
            group.addTask { [links, current] in
                var replaced = false
                for await connection in links {
                    if replaced {
                        inbox.yield(.linkDown(reason: "reconnecting with the new configuration", permanent: false))
                    }
                    replaced = true
                    current.connection = connection
                    for await event in connection.link.events {
                        switch event {
                        case .connecting: inbox.yield(.linkConnecting)
                        case .up: inbox.yield(.linkUp)
                        case .down(let reason, let permanent):
                            inbox.yield(.linkDown(reason: reason, permanent: permanent))
                        case .message(let bytes): inbox.yield(.report(bytes))
                        }
                    }
                }
            }
            // Cancelling ends the inbox at once: the port's thread then stops handling host lines too.
            await withTaskCancellationHandler {
                for await _ in inbox.wakeUps {
                    runner.drain(onPortThread: false)
                }
            } onCancel: {
                inbox.finish()
            }
            inbox.finish()
            runner.stop()
            storageContinuation.finish()
            group.cancelAll()
        }
    }
}

/// The session and what its loop keeps between events, run by the loop's task or by the port's thread.
///
/// Exists so a host line can be answered on the thread that read it (one thread wake-up less per
/// round trip, benchmark 1) while reports, timers and storage answers still go through the loop's
/// task. Whoever drains holds `draining`; the other returns at once and the holder handles its event,
/// so the session is only ever touched by one thread at a time and nobody waits for a lock while a
/// report is parsed. `@unchecked Sendable`: every `var` below is used only while `draining` is held.
private final class SessionRunner: @unchecked Sendable {
    private let inbox: SessionInbox
    private let port: any HostPort
    private let current: CurrentConnection
    private let logger: Logger
    private let observer: SessionObserver
    private let storage: AsyncStream<StorageCommand>.Continuation
    private let snapshots: (any CameraSnapshotter)?
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let draining = NIOLockedValueBox(false)

    private var session: PrinterSession
    private var limiter = LogLimiter()
    private var timer: Task<Void, Never>?
    private var scheduled: Duration?
    private var reportedState: LinkState
    private var reportedStatus: SessionStatus
    private var hostGeneration = 0

    init(
        session: PrinterSession, inbox: SessionInbox, port: any HostPort, current: CurrentConnection, logger: Logger,
        observer: SessionObserver, storage: AsyncStream<StorageCommand>.Continuation,
        snapshots: (any CameraSnapshotter)?
    ) {
        self.session = session
        self.inbox = inbox
        self.port = port
        self.current = current
        self.logger = logger
        self.observer = observer
        self.storage = storage
        self.snapshots = snapshots
        self.origin = clock.now
        self.reportedState = session.linkState
        self.reportedStatus = session.status
    }

    /// Reports the first status (before any event).
    func start() {
        withDraining { observer.statusChanged(reportedStatus) }
    }

    /// Stops the timer; events queued later are not handled.
    func stop() {
        withDraining { timer?.cancel() }
    }

    /// Handles queued events until none is left, unless another thread is at it (it handles them).
    ///
    /// On the port's thread it handles host events only and stops before any other (a report can take
    /// a while to parse, a storage answer builds a catalog, and that thread serves other ports and
    /// the HTTP server too), waking the loop for it.
    func drain(onPortThread: Bool) {
        while true {
            guard draining.withLockedValue({ busy in
                defer { busy = true }
                return !busy
            }) else { return }
            while !Task.isCancelled, let event = inbox.next(onlyHostEvents: onPortThread) {
                handle(event)
            }
            draining.withLockedValue { $0 = false }
            // An event queued while this thread held `draining` found it busy and was left to this one.
            guard inbox.hasEventsToHandle, !Task.isCancelled else { return }
            if onPortThread {
                // What is left starts with an event that is not the host's: the loop takes it (and the rest).
                inbox.wakeLoop()
                return
            }
        }
    }

    private func withDraining(_ body: () -> Void) {
        // Only at start and stop: wait for a port-thread drain to end (it is short).
        while !draining.withLockedValue({ busy in
            defer { busy = true }
            return !busy
        }) { sched_yield() }
        body()
        draining.withLockedValue { $0 = false }
    }

    private func handle(_ event: SessionEvent) {
        let now = clock.now - origin
        // Publishes go out after the event's replies: a publish encrypts and sends at once, and the
        // host can send its next line meanwhile (BENCHMARKS.md, benchmark 5).
        var publishes: [OutgoingRequest] = []
        if event == .hostAttached { hostGeneration += 1 }
        let effects: [SessionEffect]
        if case .report = event {
            // The session parses with a cache from the daemon's pool, not one of its own (benchmark 3).
            effects = ParseCachePool.shared.withCache { cache in
                session.exchangeParseCache(&cache)
                defer { session.exchangeParseCache(&cache) }
                return session.handle(event, at: now)
            }
        } else {
            effects = session.handle(event, at: now)
        }
        for effect in effects {
            switch effect {
            case .write(let replies): port.write(replies.wireBytes, forHost: hostGeneration)
            case .publish(let request): publishes.append(request)
            case .log(let record): limiter.log(record, at: now, to: logger)
            case .storage(let command): storage.yield(command)
            case .camera(.saveSnapshot(let operation)):
                // Off the loop: a cold camera takes seconds; the answer comes back as an event.
                Task { [snapshots, inbox, name = session.configuration.printerName] in
                    let outcome =
                        await snapshots?.saveSnapshot(printerName: name)
                        ?? .failed(reason: "this daemon has no camera support")
                    inbox.yield(.snapshotFinished(operation: operation, outcome: outcome))
                }
            }
        }
        if !publishes.isEmpty, let link = current.connection?.link {
            for request in publishes { link.publish(request) }
        }
        // Status first: the supervisor's STATUS= line reads it when the link state changes.
        let status = session.status
        if status != reportedStatus {
            reportedStatus = status
            observer.statusChanged(status)
        }
        if session.linkState != reportedState {
            reportedState = session.linkState
            observer.linkStateChanged(reportedState)
        }
        observer.processedEvent()
        if event == .tick { scheduled = nil }
        let deadline = session.nextDeadline
        if deadline != scheduled {
            timer?.cancel()
            scheduled = deadline
            timer = deadline.map { deadline in
                Task { [clock, origin, inbox] in
                    try? await clock.sleep(until: origin + deadline, tolerance: .milliseconds(5))
                    if !Task.isCancelled { inbox.yield(.tick) }
                }
            }
        }
    }
}

/// A printer link and the storage that goes with it (both follow the printer's settings).
package struct PrinterConnection: Sendable {
    package var link: any PrinterLink
    package var storage: (any PrinterStorage)?

    package init(link: any PrinterLink, storage: (any PrinterStorage)?) {
        self.link = link
        self.storage = storage
    }
}

/// The connection a driver currently uses; read by the publisher and the storage worker.
final class CurrentConnection: Sendable {
    private let value = NIOLockedValueBox<PrinterConnection?>(nil)
    var connection: PrinterConnection? {
        get { value.withLockedValue { $0 } }
        set { value.withLockedValue { $0 = newValue } }
    }
}

/// Callbacks through which the supervisor watches a session loop.
package struct SessionObserver: Sendable {
    /// The link state changed (for `STATUS=` and `status`).
    package var linkStateChanged: @Sendable (LinkState) -> Void
    /// The loop handled an event (the watchdog's heartbeat).
    package var processedEvent: @Sendable () -> Void
    /// Hands out a closure that wakes the loop (the watchdog's ping).
    package var registerPing: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// The session's status summary changed (for `bambu-serial status`).
    package var statusChanged: @Sendable (SessionStatus) -> Void
    /// Hands out a closure that delivers an event to the loop (the supervisor's HMS texts).
    package var registerSink: @Sendable (@escaping @Sendable (SessionEvent) -> Void) -> Void

    package init(
        linkStateChanged: @escaping @Sendable (LinkState) -> Void = { _ in },
        processedEvent: @escaping @Sendable () -> Void = {},
        registerPing: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { _ in },
        statusChanged: @escaping @Sendable (SessionStatus) -> Void = { _ in },
        registerSink: @escaping @Sendable (@escaping @Sendable (SessionEvent) -> Void) -> Void = { _ in }
    ) {
        self.linkStateChanged = linkStateChanged
        self.processedEvent = processedEvent
        self.registerPing = registerPing
        self.statusChanged = statusChanged
        self.registerSink = registerSink
    }
}

/// Keeps a flood of one diagnostic (garbage reports at 1,000 a second) from flooding the log:
/// each message is logged at most once per interval, with the count of those left out.
struct LogLimiter {
    private var lastLogged: [String: Duration] = [:]
    private var suppressed: [String: Int] = [:]
    let interval: Duration = .seconds(10)

    mutating func log(_ record: SessionLog, at now: Duration, to logger: Logger) {
        if record.level == .warning || record.level == .error || record.level == .notice {
            if let last = lastLogged[record.message], now - last < interval {
                suppressed[record.message, default: 0] += 1
                return
            }
            lastLogged[record.message] = now
        }
        var metadata = Logger.Metadata()
        for (key, value) in record.metadata { metadata[key] = .string(value) }
        if let count = suppressed.removeValue(forKey: record.message) { metadata["suppressed"] = .stringConvertible(count) }
        logger.log(level: record.level.loggerLevel, "\(record.message)", metadata: metadata)
    }
}

extension SessionLog.Level {
    var loggerLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}

/// The report parser's caches, shared by every session of the daemon.
///
/// Exists because a cache is a 20 KB table (`JSONParseCache`) and only a few reports are parsed at
/// the same moment (one per thread that runs sessions): a hundred printers need a few caches, not a
/// hundred (BENCHMARKS.md, benchmark 3). Reports of every printer repeat the same keys, so a shared
/// cache saves about as much work as a printer's own. A session borrows one for each report.
final class ParseCachePool: Sendable {
    static let shared = ParseCachePool()

    /// More caches than this are not kept (more threads than cores seldom parse at once).
    private static let kept = 8
    private let idle = NIOLockedValueBox<[JSONParseCache]>([])

    /// Runs `body` with a cache no other thread uses meanwhile, then keeps the cache for the next report.
    func withCache<Value>(_ body: (inout JSONParseCache) -> Value) -> Value {
        var cache = idle.withLockedValue { $0.popLast() } ?? JSONParseCache()
        defer {
            idle.withLockedValue { caches in
                if caches.count < Self.kept { caches.append(cache) }
            }
        }
        return body(&cache)
    }
}
