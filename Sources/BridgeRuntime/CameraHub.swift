// SPDX-License-Identifier: AGPL-3.0-or-later
// One camera connection per printer, shared by every viewer and snapshot request.

package import Logging

/// What a printer's camera connection is doing, for `/status`.
package enum CameraState: Sendable, Equatable {
    /// No connection open (nobody watched recently).
    case off
    /// Connecting (first attempt or a reconnect).
    case connecting
    /// Frames arrive.
    case streaming
    /// The last attempt failed; the source retries by itself unless the failure was permanent.
    case failed(reason: String)
    /// This daemon has no camera source for the printer (no camera support built in, or none configured).
    case unavailable(reason: String)

    /// `off`, `connecting`, `streaming`, `failed` or `unavailable`.
    package var name: String {
        switch self {
        case .off: "off"
        case .connecting: "connecting"
        case .streaming: "streaming"
        case .failed: "failed"
        case .unavailable: "unavailable"
        }
    }

    /// Why the camera failed or is unavailable.
    package var reason: String? {
        switch self {
        case .failed(let reason), .unavailable(let reason): reason
        default: nil
        }
    }
}

/// Why a camera request got no frame; `message` is shown to users (HTTP 503 body, `M8160` echo).
package struct CameraError: Error, Equatable, Sendable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Every printer's camera connection, shared by all viewers and snapshot requests.
///
/// Exists because printers serve very few camera connections (a P1S two, bambu-lan.md §7.2):
/// the daemon keeps one upstream connection per printer, opened on the first viewer or snapshot
/// and closed `idleTimeout` after the last one, and fans frames out. Each viewer gets a buffer of
/// one frame that always holds the newest, so a slow viewer skips frames and never holds up the
/// others or the source. All bookkeeping is actor-isolated; sources do their I/O on their own threads.
package actor CameraHub {
    /// Makes the camera source of a printer by name; nil when the printer has none (or is unknown).
    /// A hub made without a factory reports every camera as unavailable.
    package typealias SourceFactory = @Sendable (String) -> (any CameraSource)?

    /// How long a source stays open after its last viewer left (and no snapshot was asked).
    package nonisolated let idleTimeout: Duration
    /// How long a snapshot request waits for a frame from a cold camera.
    package nonisolated let snapshotTimeout: Duration
    /// How old the latest frame may be and still answer a snapshot without waiting.
    package nonisolated let freshness: Duration
    private let makeSource: SourceFactory?
    /// Where camera failures (and the recovery after one) are logged, with the printer's name.
    private let logger: Logger?
    private var feeds: [String: Feed] = [:]
    /// The state a printer's camera ended in after its feed closed (off, or the permanent failure).
    private var endedStates: [String: CameraState] = [:]
    private var nextID = 0

    /// One open source and the people waiting for its frames.
    private struct Feed {
        let generation: Int
        let source: any CameraSource
        var pump: Task<Void, Never>?
        var state: CameraState = .connecting
        var latest: CameraFrame?
        var viewers: [Int: AsyncStream<CameraFrame>.Continuation] = [:]
        var waiters: [Int: CheckedContinuation<Result<CameraFrame, CameraError>, Never>] = [:]
        var idle: Task<Void, Never>?
        /// Which idle timer may close the feed (an older, cancelled one may still be on its way).
        var idleToken = 0
        /// The failure last logged, so a source retrying with the same error logs it once.
        var loggedFailure: String?
    }

    package init(
        idleTimeout: Duration = .seconds(60), snapshotTimeout: Duration = .seconds(10), freshness: Duration = .seconds(5),
        makeSource: SourceFactory?, logger: Logger? = nil
    ) {
        self.logger = logger
        self.idleTimeout = idleTimeout
        self.snapshotTimeout = snapshotTimeout
        self.freshness = freshness
        self.makeSource = makeSource
    }

    // MARK: - Viewers

    /// A stream of the printer's frames for one viewer, starting the source if needed.
    ///
    /// The stream buffers only the newest frame. It ends when the source ends for good; the
    /// viewer leaves by dropping (or cancelling the iteration of) the stream.
    package func subscribe(_ printer: String) throws(CameraError) -> AsyncStream<CameraFrame> {
        var feed = try openFeed(printer)
        let id = makeID()
        let (stream, continuation) = AsyncStream<CameraFrame>.makeStream(bufferingPolicy: .bufferingNewest(1))
        if let latest = feed.latest, isFresh(latest, in: feed) { continuation.yield(latest) }
        let generation = feed.generation
        continuation.onTermination = { [self] _ in
            Task { await self.removeViewer(printer, generation: generation, id: id) }
        }
        feed.viewers[id] = continuation
        feed.idle?.cancel()
        feed.idle = nil
        feed.idleToken = 0
        feeds[printer] = feed
        return stream
    }

    private func removeViewer(_ printer: String, generation: Int, id: Int) {
        guard feeds[printer]?.generation == generation else { return }
        feeds[printer]?.viewers[id] = nil
        scheduleIdleClose(printer)
    }

    // MARK: - Snapshots

    /// The latest frame if it is fresh; otherwise starts the source and waits up to `snapshotTimeout`.
    package func snapshot(_ printer: String) async throws(CameraError) -> CameraFrame {
        if let feed = feeds[printer], let latest = feed.latest, isFresh(latest, in: feed) {
            scheduleIdleClose(printer)
            return latest
        }
        let feed = try openFeed(printer)
        let id = makeID()
        let generation = feed.generation
        feeds[printer]?.idle?.cancel()
        feeds[printer]?.idle = nil
        feeds[printer]?.idleToken = 0
        let timeout = snapshotTimeout
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<CameraFrame, CameraError>, Never>) in
            feeds[printer]?.waiters[id] = continuation
            Task { [self] in
                try? await Task.sleep(for: timeout)
                self.expireWaiter(printer, generation: generation, id: id)
            }
        }
        scheduleIdleClose(printer)
        return try result.get()
    }

    private func expireWaiter(_ printer: String, generation: Int, id: Int) {
        guard feeds[printer]?.generation == generation,
            let waiter = feeds[printer]?.waiters.removeValue(forKey: id)
        else { return }
        let milliseconds = snapshotTimeout.components.seconds * 1000 + snapshotTimeout.components.attoseconds / 1_000_000_000_000_000
        let seconds = milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
        var message = "no frame from the camera within \(seconds) s"
        if let reason = feeds[printer]?.state.reason { message += " (\(reason))" }
        waiter.resume(returning: .failure(CameraError(message)))
    }

    // MARK: - State

    /// The printer's camera state for `/status`.
    package func state(of printer: String) -> CameraState {
        if makeSource == nil { return .unavailable(reason: Self.noCameraSupport) }
        return feeds[printer]?.state ?? endedStates[printer] ?? .off
    }

    private static let noCameraSupport = "this daemon has no camera support"

    /// How many viewers watch the printer's camera now.
    package func viewerCount(of printer: String) -> Int { feeds[printer]?.viewers.count ?? 0 }

    /// Whether the printer's source is open.
    package func isOpen(_ printer: String) -> Bool { feeds[printer] != nil }

    /// Closes the printer's source (its settings changed); viewers' streams end, the next request reopens it.
    package func close(_ printer: String) {
        closeFeed(printer, endState: .off, reason: "the camera was closed")
    }

    /// Closes every source (shutdown).
    package func closeAll() {
        for printer in Array(feeds.keys) { close(printer) }
    }

    // MARK: - The source

    private func openFeed(_ printer: String) throws(CameraError) -> Feed {
        if let feed = feeds[printer] { return feed }
        guard let makeSource else { throw CameraError(Self.noCameraSupport) }
        guard let source = makeSource(printer) else {
            let reason = "no camera source for \(printer) in this daemon"
            endedStates[printer] = .unavailable(reason: reason)
            throw CameraError(reason)
        }
        let generation = makeID()
        var feed = Feed(generation: generation, source: source)
        let events = source.start()
        feed.pump = Task { [self] in
            for await event in events { self.receive(event, printer: printer, generation: generation) }
            self.sourceEnded(printer, generation: generation)
        }
        feeds[printer] = feed
        endedStates[printer] = nil
        return feed
    }

    private func receive(_ event: CameraSourceEvent, printer: String, generation: Int) {
        guard var feed = feeds[printer], feed.generation == generation else { return }
        switch event {
        case .connecting:
            feed.state = .connecting
        case .streaming:
            feed.state = .streaming
            if feed.loggedFailure != nil {
                feed.loggedFailure = nil
                logger?.info("camera streaming again", metadata: ["printer.name": "\(printer)"])
            }
        case .frame(let frame):
            feed.state = .streaming
            feed.latest = frame
            for viewer in feed.viewers.values { viewer.yield(frame) }
            for waiter in feed.waiters.values { waiter.resume(returning: .success(frame)) }
            feed.waiters.removeAll()
        case .failed(let reason, let permanent):
            // A permanent failure ends the source's stream; `sourceEnded` then closes the feed.
            feed.state = .failed(reason: reason)
            if feed.loggedFailure != reason {
                feed.loggedFailure = reason
                logger?.warning(
                    "camera failed",
                    metadata: [
                        "printer.name": "\(printer)", "camera.reason": "\(reason)",
                        "camera.retrying": "\(permanent ? "no" : "yes")",
                    ])
            }
            feed.latest = nil
            for waiter in feed.waiters.values { waiter.resume(returning: .failure(CameraError(reason))) }
            feed.waiters.removeAll()
        }
        feeds[printer] = feed
    }

    private func sourceEnded(_ printer: String, generation: Int) {
        guard let feed = feeds[printer], feed.generation == generation else { return }
        let endState: CameraState = if case .failed = feed.state { feed.state } else { .off }
        closeFeed(printer, endState: endState, reason: feed.state.reason ?? "the camera connection ended")
    }

    private func closeFeed(_ printer: String, endState: CameraState, reason: String) {
        guard let feed = feeds.removeValue(forKey: printer) else { return }
        endedStates[printer] = endState
        feed.idle?.cancel()
        feed.pump?.cancel()
        feed.source.stop()
        for waiter in feed.waiters.values { waiter.resume(returning: .failure(CameraError(reason))) }
        for viewer in feed.viewers.values { viewer.finish() }
    }

    /// Starts the idle timer when nobody watches or waits; a new viewer or snapshot cancels or restarts it.
    private func scheduleIdleClose(_ printer: String) {
        guard var feed = feeds[printer], feed.viewers.isEmpty, feed.waiters.isEmpty else { return }
        feed.idle?.cancel()
        let generation = feed.generation
        let timeout = idleTimeout
        let token = makeID()
        feed.idleToken = token
        feed.idle = Task { [self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self.idleExpired(printer, generation: generation, token: token)
        }
        feeds[printer] = feed
    }

    private func idleExpired(_ printer: String, generation: Int, token: Int) {
        guard let feed = feeds[printer], feed.generation == generation, feed.idleToken == token, feed.viewers.isEmpty,
            feed.waiters.isEmpty
        else { return }
        closeFeed(printer, endState: .off, reason: "the camera was idle")
    }

    private func isFresh(_ frame: CameraFrame, in feed: Feed) -> Bool {
        feed.state == .streaming && ContinuousClock.now - frame.receivedAt <= freshness
    }

    private func makeID() -> Int {
        nextID += 1
        return nextID
    }
}
