// SPDX-License-Identifier: AGPL-3.0-or-later
// The thread, stop handling and reconnect backoff both camera sources share.

import BridgeRuntime
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Why one camera connection ended.
struct CameraConnectionError: Error, Sendable {
    /// Shown to users; never contains the access code.
    var reason: String
    /// No retry helps (wrong access code, certificate refused, unsupported stream).
    var permanent: Bool
}

/// Runs one camera source's connections on its own thread until stopped.
///
/// Exists because libavformat and blocking TLS reads must stay off Swift's cooperative pool, and
/// because both sources need the same life cycle: connect, stream, fail, wait (1 s doubling to
/// 30 s, reset after a connection that delivered frames), retry, and a `stop()` that interrupts a
/// blocked read at once (it shuts the registered socket down and wakes the backoff wait).
final class CameraWorker: Sendable {
    /// What the worker's state guards: the stream, the socket to shut down on stop, the stop flag.
    private struct State {
        var continuation: AsyncStream<CameraSourceEvent>.Continuation?
        var descriptors: Set<Int32> = []
        var stopped = false
        var started = false
    }

    private let state = NIOLockedValueBox(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let name: String
    private let initialBackoff: Duration
    private let maximumBackoff: Duration

    init(name: String, initialBackoff: Duration, maximumBackoff: Duration) {
        self.name = name
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// OpenSSL writes with write(2): a printer that closes first would raise SIGPIPE and kill the
    /// process; ignored process-wide, so such a write fails with EPIPE instead.
    private static let ignoreBrokenPipes: Bool = {
        _ = signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Starts the thread; `connection` runs one connection and returns how it ended (it returns
    /// normally only when stopped). `delivered` tells whether it produced at least one frame.
    func start(
        connection: @escaping @Sendable (CameraWorker) -> (error: CameraConnectionError?, delivered: Bool)
    ) -> AsyncStream<CameraSourceEvent> {
        _ = Self.ignoreBrokenPipes
        let (stream, continuation) = AsyncStream.makeStream(
            of: CameraSourceEvent.self, bufferingPolicy: .bufferingNewest(16))
        let alreadyStarted = state.withLockedValue { state -> Bool in
            defer { state.started = true }
            if state.started || state.stopped { return true }
            state.continuation = continuation
            return false
        }
        if alreadyStarted {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in self?.stop() }
        let thread = Thread { [self] in
            var backoff = initialBackoff
            while !isStopped {
                emit(.connecting)
                let outcome = connection(self)
                guard !isStopped, let error = outcome.error else { break }
                emit(.failed(reason: error.reason, permanent: error.permanent))
                if error.permanent { break }
                if outcome.delivered { backoff = initialBackoff }
                _ = wakeup.wait(timeout: .now() + .nanoseconds(Int(backoff.components.seconds * 1_000_000_000
                    + backoff.components.attoseconds / 1_000_000_000)))
                if !outcome.delivered { backoff = min(backoff * 2, maximumBackoff) }
            }
            let continuation = state.withLockedValue { state -> AsyncStream<CameraSourceEvent>.Continuation? in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.finish()
        }
        thread.name = name
        thread.start()
        return stream
    }

    /// Sends one event to the consumer.
    func emit(_ event: CameraSourceEvent) {
        state.withLockedValue { _ = $0.continuation?.yield(event) }
    }

    /// Stops: no new connections, blocked reads on registered sockets return at once.
    func stop() {
        let first = state.withLockedValue { state -> Bool in
            defer { state.stopped = true }
            for descriptor in state.descriptors { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
            return !state.stopped
        }
        if first { wakeup.signal() }
    }

    /// Registers a socket that `stop()` shuts down; false (and nothing registered) when already stopped.
    func register(_ descriptor: Int32) -> Bool {
        state.withLockedValue { state in
            guard !state.stopped else { return false }
            state.descriptors.insert(descriptor)
            return true
        }
    }

    /// Unregisters a socket before it is closed (so `stop()` never shuts down a reused number).
    func unregister(_ descriptor: Int32) {
        state.withLockedValue { _ = $0.descriptors.remove(descriptor) }
    }
}
