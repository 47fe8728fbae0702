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
/// Exists to be the only code that calls libmosquitto. It owns its network thread instead of
/// `mosquitto_loop_start`, whose 2.0.11 reconnect handling spins or stops (recipes): a blocking
/// `mosquitto_connect`, then `mosquitto_loop` until the link drops, then our own backoff.
/// Callbacks copy what they need and yield to `events`; no C type leaves this file.
///
/// `@unchecked Sendable`: the handle is created and destroyed on the network thread; other
/// threads only call `mosquitto_publish` and `mosquitto_disconnect`, which libmosquitto allows
/// after `mosquitto_threaded_set(true)`, and only while `handle` is published under `shared`.
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
    }

    package init(endpoint: MQTTEndpoint, schedule: RetrySchedule = RetrySchedule(), logger: Logger) throws {
        self.endpoint = endpoint
        self.schedule = schedule
        self.logger = logger
        (events, continuation) = AsyncStream<MQTTEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        wake = try WakePipe()
        if case .pinned(_, let pin) = endpoint.security { shared.withLockedValue { $0.pin = pin } }
    }

    /// Starts the network thread.
    package func start() {
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "mqtt-\(endpoint.host):\(endpoint.port)"
        thread.start()
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
        // The network thread may be asleep in poll(2): wake it to write the queued packet.
        if published { wake.signal() }
        return published
    }

    /// Ends a backoff wait at once (configuration reload, user request).
    package func reconnectNow() { wake.signal() }

    /// Stops the thread and waits up to `timeout` for it to finish (it may be inside a blocking
    /// connect to an unreachable host; it then ends on its own). Works in a cancelled task too.
    package func stop(timeout: Duration = .seconds(3)) async {
        let finished = shared.withLockedValue { state -> Bool in
            state.running = false
            if let handle = state.handle?.raw { mosquitto_disconnect(handle) }
            return state.finished
        }
        wake.signal()
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

    // MARK: - Network thread

    private func runLoop() {
        MosquittoLibrary.initialize()
        let context = CallbackContext(continuation: continuation, subscriptions: endpoint.subscriptions)
        let contextPointer = Unmanaged.passRetained(context).toOpaque()
        defer {
            Unmanaged<CallbackContext>.fromOpaque(contextPointer).release()
            let waiters = shared.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.finished = true
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
            wake.close()
        }
        guard let handle = mosquitto_new(endpoint.clientID, true, contextPointer) else {
            continuation.yield(.disconnected(MQTTFailure(.protocolError, "cannot create an MQTT client"), retryIn: .zero))
            return
        }
        defer { mosquitto_destroy(handle) }
        installCallbacks(handle)
        _ = mosquitto_threaded_set(handle, true)
        _ = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        _ = mosquitto_username_pw_set(handle, endpoint.username, endpoint.password)

        let policy = UnsafeMutablePointer<copenssl_peer_policy>.allocate(capacity: 1)
        policy.initialize(to: copenssl_peer_policy())
        // This thread serves only this client: its handshakes check this policy (shared TLS contexts).
        copenssl_set_thread_policy(policy)
        defer {
            copenssl_set_thread_policy(nil)
            policy.deallocate()
        }
        var tlsContext: SharedTLSContexts.Lease?
        defer { if let tlsContext { SharedTLSContexts.release(tlsContext) } }
        if let failure = configureTLS(handle, policy: policy, context: &tlsContext) {
            continuation.yield(.disconnected(failure, retryIn: .zero))
            return
        }

        var attempt = 0
        while isRunning {
            continuation.yield(.connecting)
            copenssl_policy_reset(policy)
            if let pin = shared.withLockedValue({ $0.pin }) { copy(pin, into: &policy.pointee.expected_pin) }
            context.reset()
            var failure: MQTTFailure
            let rc = mosquitto_connect(handle, endpoint.host, Int32(endpoint.port), Int32(endpoint.keepaliveSeconds))
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                let published = Handle(raw: handle)
                shared.withLockedValue { $0.handle = published }
                var loopRC = MOSQ_ERR_SUCCESS.rawValue
                while isRunning {
                    loopRC = pollOnce(handle)
                    if loopRC != MOSQ_ERR_SUCCESS.rawValue { break }
                    if context.refusal != nil { break }
                    if context.isSubscribed, !context.announced {
                        context.announced = true
                        attempt = 0
                        let fingerprint = seenPin(policy)
                        if case .pinned = endpoint.security, let fingerprint { shared.withLockedValue { $0.pin = fingerprint } }
                        continuation.yield(.connected(fingerprint: fingerprint))
                    }
                }
                shared.withLockedValue { $0.handle = nil }
                _ = mosquitto_disconnect(handle)
                if let refusal = context.refusal {
                    failure = refusal
                } else if let tlsFailure = certificateFailure(policy) {
                    // The handshake may finish inside mosquitto_loop: our verify callback's verdict wins.
                    failure = tlsFailure
                } else {
                    failure = MQTTFailure(.connectionLost, "connection lost (\(Self.describe(loopRC)))")
                }
            } else {
                failure = classify(rc, policy: policy)
            }
            guard isRunning else { break }
            let delay = schedule.delay(after: failure, attempt: attempt)
            attempt += 1
            continuation.yield(.disconnected(failure, retryIn: delay))
            wake.wait(for: delay)
        }
    }

    /// One turn of the network loop with `poll(2)`: `mosquitto_loop` uses `select(2)` and fails with
    /// MOSQ_ERR_INVAL once the socket's descriptor is 1024 or more, which a daemon with about a hundred
    /// printers reaches. Publishes from other threads signal `wake`, so they go out at once.
    private func pollOnce(_ handle: OpaquePointer) -> Int32 {
        let socket = mosquitto_socket(handle)
        guard socket >= 0 else { return MOSQ_ERR_NO_CONN.rawValue }
        var descriptors = [
            pollfd(fd: socket, events: Int16(POLLIN) | (mosquitto_want_write(handle) ? Int16(POLLOUT) : 0), revents: 0),
            pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&descriptors, 2, 1000)
        if ready < 0, errno != EINTR { return MOSQ_ERR_ERRNO.rawValue }
        if descriptors[1].revents != 0 { wake.drain() }
        var rc = MOSQ_ERR_SUCCESS.rawValue
        if descriptors[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 { rc = mosquitto_loop_read(handle, 1) }
        if rc == MOSQ_ERR_SUCCESS.rawValue, mosquitto_want_write(handle) { rc = mosquitto_loop_write(handle, 1) }
        if rc == MOSQ_ERR_SUCCESS.rawValue { rc = mosquitto_loop_misc(handle) }
        return rc
    }

    private func seenPin(_ policy: UnsafeMutablePointer<copenssl_peer_policy>) -> String? {
        let text = string(from: &policy.pointee.seen_pin)
        return text.isEmpty ? nil : text
    }

    /// Sets up TLS through our own `SSL_CTX` so the verify callback runs before credentials are sent.
    private func configureTLS(
        _ handle: OpaquePointer, policy: UnsafeMutablePointer<copenssl_peer_policy>,
        context: inout SharedTLSContexts.Lease?
    ) -> MQTTFailure? {
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
        let lease: SharedTLSContexts.Lease
        switch SharedTLSContexts.acquire(mode: policy.pointee.mode, caFile: caFile) {
        case .success(let acquired): lease = acquired
        case .failure(let failure): return failure
        }
        context = lease
        _ = mosquitto_int_option(handle, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0)
        // libmosquitto takes its own reference (SSL_CTX_up_ref) and drops it in mosquitto_destroy.
        let rc = mosquitto_void_option(handle, MOSQ_OPT_SSL_CTX, UnsafeMutableRawPointer(lease.context.raw))
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

/// The client TLS contexts in use, one per trust setting (mode and CA file contents).
///
/// Exists because OpenSSL 3 spends about 20 KB on each `SSL_CTX` (its cipher, group and provider
/// tables), and a daemon with a hundred printers needs one per CA file, not one per printer
/// (BENCHMARKS.md, benchmark 3). What differs between printers (the serial the certificate must
/// name, the pin) is not in the context: each client's thread sets its own policy, which the verify
/// callback reads (`copenssl_set_thread_policy`). A context is freed when its last client ends.
enum SharedTLSContexts {
    /// An `SSL_CTX` pointer as the registry keeps it; only OpenSSL and libmosquitto touch what it points to.
    struct Context: @unchecked Sendable { let raw: OpaquePointer }

    /// What a client holds while it uses a shared context.
    struct Lease: Sendable {
        fileprivate let key: Key
        let context: Context
    }

    fileprivate struct Key: Hashable, Sendable {
        var mode: Int32
        var caFile: String?
        /// The CA file's bytes when it was loaded: a file rewritten in place (configuration reload) gets a new context.
        var caContents: [UInt8]?
    }

    private struct Entry {
        var context: Context
        var users: Int
    }

    private static let entries = NIOLockedValueBox<[Key: Entry]>([:])

    /// The context for `mode` (and `caFile` in the CA mode), created on first use.
    static func acquire(mode: Int32, caFile: String?) -> Result<Lease, MQTTFailure> {
        let contents = caFile.flatMap { FileManager.default.contents(atPath: $0) }.map { [UInt8]($0) }
        let key = Key(mode: mode, caFile: caFile, caContents: contents)
        return entries.withLockedValue { entries -> Result<Lease, MQTTFailure> in
            if let entry = entries[key] {
                entries[key]?.users += 1
                return .success(Lease(key: key, context: entry.context))
            }
            var error = [CChar](repeating: 0, count: 256)
            guard let created = copenssl_shared_client_context(mode, caFile, &error, error.count) else {
                let text = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return .failure(MQTTFailure(.tlsError, text))
            }
            entries[key] = Entry(context: Context(raw: created), users: 1)
            return .success(Lease(key: key, context: Context(raw: created)))
        }
    }

    /// Ends a client's use of its context; the last user frees it (libmosquitto holds its own reference
    /// until `mosquitto_destroy`).
    static func release(_ lease: Lease) {
        let unused = entries.withLockedValue { entries -> Context? in
            guard var entry = entries[lease.key] else { return nil }
            entry.users -= 1
            if entry.users > 0 {
                entries[lease.key] = entry
                return nil
            }
            entries[lease.key] = nil
            return entry.context
        }
        if let unused { copenssl_context_free(unused.raw) }
    }

    /// How many distinct contexts are in use (for tests).
    static var count: Int { entries.withLockedValue { $0.count } }
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
