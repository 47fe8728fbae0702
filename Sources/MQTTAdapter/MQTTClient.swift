// SPDX-License-Identifier: AGPL-3.0-or-later
// One libmosquitto client on its own thread: connect, subscribe, deliver messages, back off, retry.

#if canImport(Glibc)
import Glibc
#endif
internal import CMosquitto
internal import COpenSSL
import Foundation
package import Logging
import NIOConcurrencyHelpers

/// Where and how to connect.
package struct MQTTEndpoint: Sendable {
    package var host: String
    package var port: Int
    package var username: String
    package var password: String
    package var clientID: String
    package var keepaliveSeconds: Int = 30
    package var security: MQTTTransportSecurity
    /// Topics to subscribe to (QoS 0) after every connect.
    package var subscriptions: [String]

    package init(
        host: String, port: Int, username: String, password: String, clientID: String,
        security: MQTTTransportSecurity, subscriptions: [String]
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.clientID = clientID
        self.security = security
        self.subscriptions = subscriptions
    }
}

/// TLS on the connection.
package enum MQTTTransportSecurity: Sendable, Equatable {
    /// No TLS (only the simulator's own loopback listener).
    case plain
    /// TLS without any certificate check.
    case insecure
    /// The leaf must name `expectedName`; its SHA-256 must equal `pin` once one is known.
    case pinned(expectedName: String, pin: String?)
    /// Verified against `caFile`, and the leaf must name `expectedName`.
    case ca(file: String, expectedName: String)
}

/// What the client reports.
package enum MQTTEvent: Sendable, Equatable {
    /// A connection attempt begins.
    case connecting
    /// Connected and subscribed; `fingerprint` is the server certificate's SHA-256 (hex) under TLS.
    case connected(fingerprint: String?)
    /// The connection failed or ended; the client retries after `retryIn`.
    case disconnected(MQTTFailure, retryIn: Duration)
    /// A message on a subscribed topic.
    case message(topic: String, payload: [UInt8])
}

/// Why a connection is not up.
///
/// Exists to separate failures a retry fixes (printer off, Wi-Fi gone) from those it cannot
/// (wrong access code, wrong certificate, unknown host): the latter are retried slowly.
package struct MQTTFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable, Equatable {
        case unreachable, connectionLost, accessDenied, certificateName, certificateChanged, certificateUntrusted
        case unknownHost, protocolError, tlsError
    }
    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// True when retrying cannot help until the configuration or the printer changes.
    package var isPermanent: Bool {
        switch kind {
        case .accessDenied, .certificateName, .certificateChanged, .certificateUntrusted, .unknownHost: true
        case .unreachable, .connectionLost, .protocolError, .tlsError: false
        }
    }

    package var description: String { message }
}

/// Retry delays: 1 s doubling to 30 s with ±20 % jitter; 60 s after a permanent failure.
package struct RetrySchedule: Sendable {
    package var initial: Duration = .seconds(1)
    package var maximum: Duration = .seconds(30)
    package var permanent: Duration = .seconds(60)
    package init() {}

    /// The delay before attempt `attempt + 1` after a failure.
    package func delay(after failure: MQTTFailure, attempt: Int) -> Duration {
        if failure.isPermanent { return permanent }
        let doubled = initial * (1 << min(attempt, 10))
        let base = min(doubled, maximum)
        let jitter = Double.random(in: 0.8...1.2)
        return base * jitter
    }
}

/// An MQTT client for one printer (or one simulated printer).
///
/// Exists to be the only code that calls libmosquitto. It runs its own loop instead of
/// `mosquitto_loop_start`, whose 2.0.11 reconnect handling spins or stops (recipes): a blocking
/// `mosquitto_connect` on a thread of the client's own, then, once connected, libmosquitto's read,
/// write and timer steps on the process's one `MQTTPoller` thread until the link drops, then our
/// own backoff on a new thread of the client's. Callbacks copy what they need and yield to
/// `events`; no C type leaves this file.
///
/// `@unchecked Sendable`: the handle is used by one network thread at a time (the connecting
/// thread, then the poller; `LinkResources`); other threads only call `mosquitto_publish` and
/// `mosquitto_disconnect`, which libmosquitto allows after `mosquitto_threaded_set(true)`, and only
/// while `handle` is published under `shared`.
package final class MQTTClient: @unchecked Sendable {
    package let events: AsyncStream<MQTTEvent>
    private let continuation: AsyncStream<MQTTEvent>.Continuation
    private let endpoint: MQTTEndpoint
    private let schedule: RetrySchedule
    private let logger: Logger
    private let shared = NIOLockedValueBox(SharedState())
    private let wake: WakePipe

    /// The libmosquitto handle as other threads may see it (see the class comment).
    struct Handle: @unchecked Sendable { let raw: OpaquePointer }

    struct SharedState {
        var handle: Handle?
        var running = true
        var pin: String?
        var finished = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// `reconnectNow` was called since the last connection came up: the next backoff does not wait.
        var reconnectRequested = false
    }

    package init(endpoint: MQTTEndpoint, schedule: RetrySchedule = RetrySchedule(), logger: Logger) throws {
        self.endpoint = endpoint
        self.schedule = schedule
        self.logger = logger
        (events, continuation) = AsyncStream<MQTTEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        wake = try WakePipe()
        if case .pinned(_, let pin) = endpoint.security { shared.withLockedValue { $0.pin = pin } }
    }

    /// Starts connecting, on a thread of its own until the link is up.
    package func start() {
        startConnecting(nil, after: nil)
    }

    /// Publishes one message; dropped (with a log line) while disconnected.
    @discardableResult
    package func publish(topic: String, payload: [UInt8], qos: Int) -> Bool {
        let published = shared.withLockedValue { state -> Bool in
            guard let handle = state.handle?.raw else { return false }
            let rc = payload.withUnsafeBytes { bytes in
                mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), false)
            }
            return rc == MOSQ_ERR_SUCCESS.rawValue
        }
        // The poller may be asleep in poll(2): wake it to write the queued packet.
        if published { MQTTPoller.shared.wakeUp() }
        return published
    }

    /// Ends a backoff wait at once (configuration reload, user request).
    package func reconnectNow() {
        shared.withLockedValue { $0.reconnectRequested = true }
        wake.signal()
    }

    /// Stops the thread and waits up to `timeout` for it to finish (it may be inside a blocking
    /// connect to an unreachable host; it then ends on its own). Works in a cancelled task too.
    package func stop(timeout: Duration = .seconds(3)) async {
        let finished = shared.withLockedValue { state -> Bool in
            state.running = false
            if let handle = state.handle?.raw { mosquitto_disconnect(handle) }
            return state.finished
        }
        wake.signal()
        MQTTPoller.shared.wakeUp()
        if !finished {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let token = UInt64.random(in: 0...UInt64.max)
                let resumeNow = shared.withLockedValue { state -> Bool in
                    if state.finished { return true }
                    state.waiters[token] = waiter
                    return false
                }
                if resumeNow {
                    waiter.resume()
                    return
                }
                let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                    self.shared.withLockedValue { $0.waiters.removeValue(forKey: token) }?.resume()
                }
            }
        }
        continuation.finish()
    }

    private var isRunning: Bool { shared.withLockedValue { $0.running } }

    // MARK: - Connecting (a thread of its own) and connected (the shared poller)

    /// A thread for one connecting phase: back off after `failure` (if any), then connect until it
    /// works (handing the link to `MQTTPoller`, and ending the thread) or the client stops.
    ///
    /// A connected client needs no thread of its own: the poller serves every connected client of
    /// the process (BENCHMARKS.md, benchmark 3: a thread costs about 30 KB of stack, thread caches
    /// and OpenSSL's per-thread state). Connecting keeps one, because `mosquitto_connect` blocks
    /// (a printer that is off takes seconds to time out) and must not hold up the others.
    private func startConnecting(_ link: LinkResources?, after failure: MQTTFailure?) {
        let thread = Thread { [self] in self.connectPhase(link, after: failure) }
        thread.name = "mqtt-\(endpoint.host):\(endpoint.port)"
        thread.start()
    }

    private func connectPhase(_ existing: LinkResources?, after previous: MQTTFailure?) {
        MosquittoLibrary.initialize()
        guard let link = existing ?? makeLink() else { return }
        // This thread serves only this client while it connects: its handshakes check this policy.
        copenssl_set_thread_policy(link.policy)
        defer { copenssl_set_thread_policy(nil) }
        if let previous {
            guard isRunning else { return finish(link) }
            backOff(after: previous, link)
        }
        while isRunning {
            continuation.yield(.connecting)
            // Set up until it works: a CA file that cannot be loaded (unreadable, not PEM) is read
            // again on each attempt, so fixing it brings the printer back without a reload.
            if !link.tlsConfigured {
                if let failure = configureTLS(link.handle, policy: link.policy) {
                    guard isRunning else { break }
                    backOff(after: failure, link)
                    continue
                }
                link.tlsConfigured = true
            }
            copenssl_policy_reset(link.policy)
            if let pin = shared.withLockedValue({ $0.pin }) { copy(pin, into: &link.policy.pointee.expected_pin) }
            link.callbacks.reset()
            ERR_clear_error()
            let rc = mosquitto_connect(link.handle, endpoint.host, Int32(endpoint.port), Int32(endpoint.keepaliveSeconds))
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                let published = Handle(raw: link.handle)
                shared.withLockedValue { state in
                    state.handle = published
                    state.reconnectRequested = false
                }
                MQTTPoller.shared.add(PolledClient(client: self, link: link))
                return
            }
            let failure = classify(rc, policy: link.policy)
            guard isRunning else { break }
            backOff(after: failure, link)
        }
        finish(link)
    }

    /// Reports `failure` and waits the schedule's delay, unless the client is stopping or a
    /// reconnect was asked for (`stop` and `reconnectNow` set their flag before they signal).
    private func backOff(after failure: MQTTFailure, _ link: LinkResources) {
        let delay = schedule.delay(after: failure, attempt: link.attempt)
        link.attempt += 1
        continuation.yield(.disconnected(failure, retryIn: delay))
        // Bytes left from before (while the poller served the link) are in the flags; a signal
        // after this drain stays in the pipe and ends the wait.
        wake.drain()
        let skip = shared.withLockedValue { state in
            defer { state.reconnectRequested = false }
            return !state.running || state.reconnectRequested
        }
        if !skip { wake.wait(for: delay) }
    }

    /// The handle, TLS policy and callback state of this client, or nil (reported) when the handle cannot be made.
    private func makeLink() -> LinkResources? {
        let callbacks = CallbackContext(continuation: continuation, subscriptions: endpoint.subscriptions)
        let callbacksPointer = Unmanaged.passRetained(callbacks).toOpaque()
        guard let handle = mosquitto_new(endpoint.clientID, true, callbacksPointer) else {
            Unmanaged<CallbackContext>.fromOpaque(callbacksPointer).release()
            continuation.yield(.disconnected(MQTTFailure(.protocolError, "cannot create an MQTT client"), retryIn: .zero))
            markFinished()
            return nil
        }
        installCallbacks(handle)
        _ = mosquitto_threaded_set(handle, true)
        _ = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        _ = mosquitto_username_pw_set(handle, endpoint.username, endpoint.password)
        let policy = UnsafeMutablePointer<copenssl_peer_policy>.allocate(capacity: 1)
        policy.initialize(to: copenssl_peer_policy())
        return LinkResources(handle: handle, policy: policy, callbacks: callbacks, callbacksPointer: callbacksPointer)
    }

    /// Frees the link's resources and wakes whoever waits in `stop`.
    fileprivate func finish(_ link: LinkResources) {
        shared.withLockedValue { $0.handle = nil }
        mosquitto_destroy(link.handle)
        link.policy.deallocate()
        Unmanaged<CallbackContext>.fromOpaque(link.callbacksPointer).release()
        markFinished()
    }

    private func markFinished() {
        let waiters = shared.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
        wake.close()
    }

    /// One turn for this connected client on the poller's thread, after `poll(2)` set `revents` for
    /// its socket (0: a timer turn). Returns whether the connection goes on; when it ends, the client
    /// reconnects on a new thread of its own, or finishes when stopped.
    fileprivate func serve(_ link: LinkResources, revents: Int16) -> Bool {
        copenssl_set_thread_policy(link.policy)  // a handshake may finish inside mosquitto_loop_read
        defer { copenssl_set_thread_policy(nil) }
        // OpenSSL's error queue is per thread, and this thread serves every printer: an error left by
        // one printer's connection must not make `SSL_get_error` fail another's.
        ERR_clear_error()
        let handle = link.handle
        var rc = mosquitto_socket(handle) >= 0 ? MOSQ_ERR_SUCCESS.rawValue : MOSQ_ERR_NO_CONN.rawValue
        if rc == MOSQ_ERR_SUCCESS.rawValue, revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
            rc = mosquitto_loop_read(handle, 1)
        }
        if rc == MOSQ_ERR_SUCCESS.rawValue, mosquitto_want_write(handle) { rc = mosquitto_loop_write(handle, 1) }
        if rc == MOSQ_ERR_SUCCESS.rawValue { rc = mosquitto_loop_misc(handle) }
        let running = isRunning
        if running, rc == MOSQ_ERR_SUCCESS.rawValue, link.callbacks.refusal == nil {
            if link.callbacks.isSubscribed, !link.callbacks.announced {
                link.callbacks.announced = true
                link.attempt = 0
                let fingerprint = seenPin(link.policy)
                if case .pinned = endpoint.security, let fingerprint { shared.withLockedValue { $0.pin = fingerprint } }
                continuation.yield(.connected(fingerprint: fingerprint))
            }
            return true
        }
        shared.withLockedValue { $0.handle = nil }
        _ = mosquitto_disconnect(handle)
        guard running else {
            finish(link)
            return false
        }
        let failure: MQTTFailure
        if let refusal = link.callbacks.refusal {
            failure = refusal
        } else if let tlsFailure = certificateFailure(link.policy) {
            // The handshake may finish inside mosquitto_loop_read: our verify callback's verdict wins.
            failure = tlsFailure
        } else {
            failure = MQTTFailure(.connectionLost, "connection lost (\(Self.describe(rc)))")
        }
        startConnecting(link, after: failure)
        return false
    }

    /// The socket the poller watches for this client, and whether it has bytes to write.
    fileprivate func pollRequest(_ link: LinkResources) -> pollfd {
        let socket = mosquitto_socket(link.handle)
        let events = Int16(POLLIN) | (mosquitto_want_write(link.handle) ? Int16(POLLOUT) : 0)
        return pollfd(fd: socket, events: events, revents: 0)
    }

    private func seenPin(_ policy: UnsafeMutablePointer<copenssl_peer_policy>) -> String? {
        let text = string(from: &policy.pointee.seen_pin)
        return text.isEmpty ? nil : text
    }

    /// Sets up TLS through our own `SSL_CTX` so the verify callback runs before credentials are sent.
    private func configureTLS(_ handle: OpaquePointer, policy: UnsafeMutablePointer<copenssl_peer_policy>) -> MQTTFailure? {
        var caFile: String?
        switch endpoint.security {
        case .plain:
            return nil
        case .insecure:
            policy.pointee.mode = Int32(COPENSSL_MODE_INSECURE)
        case .pinned(let name, _):
            policy.pointee.mode = Int32(COPENSSL_MODE_PINNED)
            copy(name, into: &policy.pointee.expected_name)
        case .ca(let file, let name):
            policy.pointee.mode = Int32(COPENSSL_MODE_CA)
            copy(name, into: &policy.pointee.expected_name)
            caFile = file
        }
        let context: SharedTLSContexts.Context
        switch SharedTLSContexts.context(mode: policy.pointee.mode, caFile: caFile) {
        case .success(let shared): context = shared
        case .failure(let failure): return failure
        }
        _ = mosquitto_int_option(handle, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0)
        // libmosquitto takes a reference of its own (SSL_CTX_up_ref); the registry keeps the context anyway.
        let rc = mosquitto_void_option(handle, MOSQ_OPT_SSL_CTX, UnsafeMutableRawPointer(context.raw))
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            return MQTTFailure(.tlsError, "cannot use the TLS context: \(Self.describe(rc))")
        }
        // The printer is reached by IP and names its serial: our verify callback checks the name.
        _ = mosquitto_tls_insecure_set(handle, true)
        return nil
    }

    /// Turns a failed `mosquitto_connect` into a failure the user can act on.
    private func classify(_ rc: Int32, policy: UnsafeMutablePointer<copenssl_peer_policy>) -> MQTTFailure {
        if let tlsFailure = certificateFailure(policy) { return tlsFailure }
        switch rc {
        case MOSQ_ERR_EAI.rawValue:
            return MQTTFailure(.unknownHost, "unknown host '\(endpoint.host)'")
        case MOSQ_ERR_ERRNO.rawValue:
            let code = errno
            let text = String(cString: strerror(code))
            return MQTTFailure(.unreachable, "cannot reach \(endpoint.host):\(endpoint.port) (\(text))")
        case MOSQ_ERR_TLS.rawValue, MOSQ_ERR_TLS_HANDSHAKE.rawValue:
            return MQTTFailure(.tlsError, "TLS handshake with \(endpoint.host):\(endpoint.port) failed")
        default:
            return MQTTFailure(.unreachable, "cannot connect to \(endpoint.host):\(endpoint.port) (\(Self.describe(rc)))")
        }
    }

    /// The verify callback's refusal, if it refused the certificate.
    private func certificateFailure(_ policy: UnsafeMutablePointer<copenssl_peer_policy>) -> MQTTFailure? {
        let text = string(from: &policy.pointee.failure)
        guard !text.isEmpty else { return nil }
        if text.hasPrefix("certificate names") { return MQTTFailure(.certificateName, text) }
        if text.hasPrefix("certificate changed") { return MQTTFailure(.certificateChanged, text) }
        return MQTTFailure(.certificateUntrusted, text)
    }

    private static func describe(_ rc: Int32) -> String {
        String(cString: mosquitto_strerror(rc))
    }
}

/// What one client's connection needs, handed from its connecting thread to the poller and back.
///
/// `@unchecked Sendable`: one thread at a time uses it (the connecting thread until it adds the
/// client to the poller; the poller until the connection ends and a new connecting thread starts),
/// and each hand-off goes through a lock or a thread start.
private final class LinkResources: @unchecked Sendable {
    let handle: OpaquePointer
    let policy: UnsafeMutablePointer<copenssl_peer_policy>
    let callbacks: CallbackContext
    let callbacksPointer: UnsafeMutableRawPointer
    /// Failed attempts since the last connection that came up (the backoff's exponent).
    var attempt = 0
    /// Whether `configureTLS` succeeded on this handle (it is retried until it does).
    var tlsConfigured = false

    init(
        handle: OpaquePointer, policy: UnsafeMutablePointer<copenssl_peer_policy>, callbacks: CallbackContext,
        callbacksPointer: UnsafeMutableRawPointer
    ) {
        self.handle = handle
        self.policy = policy
        self.callbacks = callbacks
        self.callbacksPointer = callbacksPointer
    }
}

/// A connected client as the poller holds it.
private struct PolledClient: @unchecked Sendable {
    let client: MQTTClient
    let link: LinkResources
}

/// One thread that serves every connected MQTT client of the process.
///
/// Exists so a daemon with a hundred printers runs one network thread, not a hundred (each costs
/// about 30 KB resident: stack, malloc's thread cache, OpenSSL's per-thread random generators;
/// BENCHMARKS.md, benchmark 3). It polls the clients' sockets with `poll(2)` (libmosquitto's own
/// loop uses `select(2)`, which fails past descriptor 1023) and runs libmosquitto's read, write
/// and timer steps for each. Publishing threads wake it to write at once.
private final class MQTTPoller: @unchecked Sendable {
    static let shared = MQTTPoller()

    /// Nil if the process is out of descriptors when the poller is first used: publishes then wait
    /// for the next timer turn (at most a second) instead of taking the daemon down.
    private let wake: WakePipe?
    /// Clients handed over by their connecting threads, not yet picked up by the poller's thread.
    private let arrivals = NIOLockedValueBox<(clients: [PolledClient], started: Bool)>(([], false))
    /// The clients being served; only the poller's thread touches this.
    private var clients: [PolledClient] = []

    private init() {
        wake = try? WakePipe()
    }

    /// Takes over a client whose connection is up (its `mosquitto_connect` returned success).
    func add(_ client: PolledClient) {
        let startThread = arrivals.withLockedValue { state -> Bool in
            state.clients.append(client)
            defer { state.started = true }
            return !state.started
        }
        if startThread {
            let thread = Thread { [self] in self.run() }
            thread.name = "mqtt-poller"
            thread.start()
        }
        wake?.signal()
    }

    /// Ends the poller's current `poll(2)` (a packet to write, a client to stop).
    func wakeUp() { wake?.signal() }

    private func run() {
        var descriptors: [pollfd] = []
        while true {
            clients += arrivals.withLockedValue { state in
                defer { state.clients.removeAll() }
                return state.clients
            }
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wake?.descriptor ?? -1, events: Int16(POLLIN), revents: 0))
            for polled in clients { descriptors.append(polled.client.pollRequest(polled.link)) }
            // Wakes at least once a second for libmosquitto's keep-alive and retry timers.
            let ready = poll(&descriptors, nfds_t(descriptors.count), 1000)
            if ready < 0 {
                if errno != EINTR { usleep(10_000) }  // never spin on an error poll(2) keeps returning
                continue
            }
            if descriptors[0].revents != 0 { wake?.drain() }
            var kept: [PolledClient] = []
            kept.reserveCapacity(clients.count)
            for (offset, polled) in clients.enumerated()
            where polled.client.serve(polled.link, revents: descriptors[offset + 1].revents) {
                kept.append(polled)
            }
            clients = kept
        }
    }
}

/// The client TLS contexts, one per trust setting (mode and CA file contents), kept for the process's life.
///
/// Exists because OpenSSL 3 spends about 20 KB on each `SSL_CTX` (its cipher, group and provider
/// tables), and a daemon with a hundred printers needs one per CA file, not one per printer
/// (BENCHMARKS.md, benchmark 3). What differs between printers (the serial the certificate must
/// name, the pin) is not in the context: each client's network thread sets its own policy, which
/// the verify callback reads (`copenssl_set_thread_policy`). Contexts are never freed: there are
/// only as many as trust settings, and libmosquitto 2.0.11 does not drop its reference to a
/// context whose handle never connected (eclipse-mosquitto issue 2992), so freeing could not be
/// counted on anyway.
enum SharedTLSContexts {
    /// An `SSL_CTX` pointer as the registry keeps it; only OpenSSL and libmosquitto touch what it points to.
    struct Context: @unchecked Sendable { let raw: OpaquePointer }

    private struct Key: Hashable, Sendable {
        var mode: Int32
        var caFile: String?
        /// The CA file's bytes when it was loaded: a file rewritten in place (configuration reload) gets a new context.
        var caContents: [UInt8]?
    }

    private static let contexts = NIOLockedValueBox<[Key: Context]>([:])

    /// The context for `mode` (and `caFile` in the CA mode), created on first use.
    static func context(mode: Int32, caFile: String?) -> Result<Context, MQTTFailure> {
        let contents = caFile.flatMap { FileManager.default.contents(atPath: $0) }.map { [UInt8]($0) }
        let key = Key(mode: mode, caFile: caFile, caContents: contents)
        return contexts.withLockedValue { contexts -> Result<Context, MQTTFailure> in
            if let context = contexts[key] { return .success(context) }
            var error = [CChar](repeating: 0, count: 256)
            // The trust anchors are the bytes of the key, not a second read of the file.
            let made = (contents ?? []).withUnsafeBufferPointer { pem in
                copenssl_shared_client_context_pem(mode, pem.baseAddress, pem.count, caFile, &error, error.count)
            }
            guard let created = made else {
                let text = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return .failure(MQTTFailure(.tlsError, text))
            }
            contexts[key] = Context(raw: created)
            return .success(Context(raw: created))
        }
    }
}

/// Installs the callbacks from a nonisolated context with closures that capture nothing (recipes).
private func installCallbacks(_ handle: OpaquePointer) {
    mosquitto_connect_callback_set(handle) { mosq, context, rc in
        guard let mosq, let context else { return }
        let box = Unmanaged<CallbackContext>.fromOpaque(context).takeUnretainedValue()
        guard rc == 0 else {
            // CONNACK 4 (bad user name or password) and 5 (not authorised) both mean a wrong access code.
            let failure =
                rc == 4 || rc == 5
                ? MQTTFailure(.accessDenied, "the printer refused the access code (MQTT CONNACK \(rc))")
                : MQTTFailure(.protocolError, "the broker refused the connection (\(String(cString: mosquitto_connack_string(rc))))")
            box.refusal = failure
            mosquitto_disconnect(mosq)
            return
        }
        if box.subscriptions.isEmpty {
            box.isSubscribed = true
            return
        }
        for topic in box.subscriptions { _ = mosquitto_subscribe(mosq, nil, topic, 0) }
    }
    mosquitto_subscribe_callback_set(handle) { _, context, _, _, _ in
        guard let context else { return }
        Unmanaged<CallbackContext>.fromOpaque(context).takeUnretainedValue().isSubscribed = true
    }
    mosquitto_message_callback_set(handle) { _, context, message in
        guard let context, let message else { return }
        let box = Unmanaged<CallbackContext>.fromOpaque(context).takeUnretainedValue()
        let raw = message.pointee
        let topic = raw.topic.map { String(cString: $0) } ?? ""
        let payload = Array(UnsafeRawBufferPointer(start: raw.payload, count: Int(max(0, raw.payloadlen))))
        box.continuation.yield(.message(topic: topic, payload: payload))
    }
}

/// State the callbacks share with the network thread.
///
/// `@unchecked Sendable`: every callback runs on the network thread inside `mosquitto_loop`,
/// the same thread that reads these fields; `continuation` is itself thread-safe.
private final class CallbackContext: @unchecked Sendable {
    let continuation: AsyncStream<MQTTEvent>.Continuation
    let subscriptions: [String]
    var isSubscribed = false
    var announced = false
    var refusal: MQTTFailure?

    init(continuation: AsyncStream<MQTTEvent>.Continuation, subscriptions: [String]) {
        self.continuation = continuation
        self.subscriptions = subscriptions
    }

    func reset() {
        isSubscribed = false
        announced = false
        refusal = nil
    }
}

/// Copies a string into a fixed-size C character array, NUL-terminated and truncated.
private func copy<T>(_ text: String, into field: inout T) {
    withUnsafeMutableBytes(of: &field) { buffer in
        let bytes = Array(text.utf8.prefix(buffer.count - 1))
        buffer.copyBytes(from: bytes + [0])
    }
}

/// Reads a NUL-terminated fixed-size C character array.
private func string<T>(from field: inout T) -> String {
    withUnsafeBytes(of: &field) { buffer in
        let bytes = buffer.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A pipe that wakes the network thread: out of a backoff wait, or out of `poll` to write a publish.
///
/// `@unchecked Sendable`: the descriptors are immutable; `write` and `poll` are thread-safe.
final class WakePipe: @unchecked Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let closed = NIOLockedValueBox(false)

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw MQTTFailure(.protocolError, "pipe failed") }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    func signal() {
        closed.withLockedValue { isClosed in
            guard !isClosed else { return }
            var byte: UInt8 = 1
            _ = Glibc.write(writeEnd, &byte, 1)
        }
    }

    /// The end the network thread polls.
    var descriptor: Int32 { readEnd }

    /// Empties the pipe after a wake-up.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Sleeps up to `duration`, returning early when signalled.
    func wait(for duration: Duration) {
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        _ = poll(&descriptor, 1, max(0, milliseconds))
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    func close() {
        closed.withLockedValue { isClosed in
            guard !isClosed else { return }
            isClosed = true
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
        }
    }
}
