// SPDX-License-Identifier: AGPL-3.0-or-later
// A blocking TLS client connection to a printer's camera port, checked inside the handshake.

internal import COpenSSL
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One TLS connection to a printer, with the trust policy of ``CameraTransportSecurity``.
///
/// Exists so both camera protocols share one OpenSSL wrapper: the COpenSSL verify callback (the
/// leaf must name the serial; pinned or CA-verified) runs inside the handshake, before the access
/// code is sent, exactly as for MQTT and FTPS. Reads block for at most the read timeout
/// (`SO_RCVTIMEO`); the worker's `stop()` shuts the socket down to end a blocked read at once.
final class PrinterTLSConnection {
    let descriptor: Int32
    /// SHA-256 of the printer's certificate, as hex.
    let fingerprint: String?
    private let ssl: OpaquePointer
    private let context: OpaquePointer
    private let policy: UnsafeMutablePointer<copenssl_peer_policy>
    private let worker: CameraWorker
    private var closed = false

    /// Connects and completes the handshake. - Throws: ``CameraConnectionError``.
    init(
        host: String, port: Int, security: CameraTransportSecurity, pin: String?, timeout: Duration,
        worker: CameraWorker
    ) throws(CameraConnectionError) {
        self.worker = worker
        let descriptor = try Self.connect(host: host, port: port, timeout: timeout, worker: worker)
        var milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        milliseconds = max(milliseconds, 1)
        var interval = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))

        let policy = UnsafeMutablePointer<copenssl_peer_policy>.allocate(capacity: 1)
        policy.initialize(to: copenssl_peer_policy())
        var caFile: String?
        switch security {
        case .insecure:
            policy.pointee.mode = Int32(COPENSSL_MODE_INSECURE)
        case .pinned(let name, _):
            policy.pointee.mode = Int32(COPENSSL_MODE_PINNED)
            Self.copy(name, into: &policy.pointee.expected_name)
            if let pin { Self.copy(pin.lowercased(), into: &policy.pointee.expected_pin) }
        case .ca(let file, let name):
            policy.pointee.mode = Int32(COPENSSL_MODE_CA)
            Self.copy(name, into: &policy.pointee.expected_name)
            caFile = file
        }
        var error = [CChar](repeating: 0, count: 256)
        guard let context = copenssl_client_context(policy, caFile, 0, &error, error.count) else {
            worker.unregister(descriptor)
            Glibc.close(descriptor)
            policy.deallocate()
            throw CameraConnectionError(reason: Self.string(error), permanent: true)
        }
        // SSL_OP_IGNORE_UNEXPECTED_EOF (bit 7, a function-like macro Swift cannot see): printers close
        // the camera socket without close_notify (a wrong access code does exactly that), which is
        // an end of stream here, not a protocol error.
        _ = SSL_CTX_set_options(context, 1 << 7)
        guard let ssl = SSL_new(context) else {
            worker.unregister(descriptor)
            Glibc.close(descriptor)
            copenssl_context_free(context)
            policy.deallocate()
            throw CameraConnectionError(reason: "cannot create a TLS connection", permanent: true)
        }
        _ = SSL_set_fd(ssl, descriptor)
        self.descriptor = descriptor
        self.ssl = ssl
        self.context = context
        self.policy = policy
        let result = SSL_connect(ssl)
        if result != 1 {
            let failure = Self.string(policy.pointee.failure)
            let stopped = worker.isStopped
            fingerprint = nil
            close()
            if !failure.isEmpty {
                throw CameraConnectionError(reason: "camera TLS: \(failure)", permanent: true)
            }
            throw CameraConnectionError(
                reason: stopped ? "stopped" : "TLS handshake with \(host):\(port) failed", permanent: false)
        }
        if let certificate = SSL_get1_peer_certificate(ssl) {
            var text = [CChar](repeating: 0, count: 65)
            copenssl_certificate_sha256(certificate, &text)
            X509_free(certificate)
            let hex = Self.string(text)
            fingerprint = hex.isEmpty ? nil : hex
        } else {
            fingerprint = nil
        }
    }

    deinit { close() }

    /// Reads up to `count` bytes; an empty array means the printer closed the connection.
    /// - Throws: on a read timeout or error.
    func read(upTo count: Int) throws(CameraConnectionError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let result = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32(count)) }
        if result > 0 { return Array(buffer[0..<Int(result)]) }
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_ZERO_RETURN { return [] }
        if code == SSL_ERROR_SYSCALL, errno == 0 || errno == ECONNRESET || errno == EPIPE { return [] }
        if code == SSL_ERROR_SYSCALL, errno == EAGAIN || errno == EWOULDBLOCK {
            throw CameraConnectionError(reason: "timeout", permanent: false)
        }
        if code == SSL_ERROR_WANT_READ { throw CameraConnectionError(reason: "timeout", permanent: false) }
        throw CameraConnectionError(reason: "read failed", permanent: false)
    }

    /// Whether decrypted bytes are buffered (a read would not block).
    var hasPendingBytes: Bool { SSL_pending(ssl) > 0 }

    /// Writes everything. - Throws: when the connection fails.
    func write(_ bytes: [UInt8]) throws(CameraConnectionError) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            guard result > 0 else { throw CameraConnectionError(reason: "write failed", permanent: false) }
            offset += Int(result)
        }
    }

    /// Closes the connection (idempotent).
    func close() {
        guard !closed else { return }
        closed = true
        worker.unregister(descriptor)
        SSL_free(ssl)
        copenssl_context_free(context)
        policy.deallocate()
        Glibc.close(descriptor)
    }

    /// TCP connect with a deadline, registered with the worker so `stop()` aborts it.
    private static func connect(
        host: String, port: Int, timeout: Duration, worker: CameraWorker
    ) throws(CameraConnectionError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw CameraConnectionError(reason: "unknown host '\(host)'", permanent: false)
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let descriptor = socket(current.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { continue }
            guard worker.register(descriptor) else {
                Glibc.close(descriptor)
                throw CameraConnectionError(reason: "stopped", permanent: false)
            }
            let flags = fcntl(descriptor, F_GETFL)
            _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen)
            if result != 0, errno == EINPROGRESS {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
                result = poll(&poller, 1, max(milliseconds, 100)) == 1 ? 0 : -1
                if result == 0 {
                    var socketError: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length)
                    if socketError != 0 {
                        result = -1
                        lastError = socketError
                    }
                } else {
                    lastError = ETIMEDOUT
                }
            } else if result != 0 {
                lastError = errno
            }
            if result == 0, !worker.isStopped {
                _ = fcntl(descriptor, F_SETFL, flags)
                return descriptor
            }
            worker.unregister(descriptor)
            Glibc.close(descriptor)
            if worker.isStopped { throw CameraConnectionError(reason: "stopped", permanent: false) }
        }
        let text = String(cString: strerror(lastError))
        let hint = lastError == ECONNREFUSED ? "; is LAN live view enabled on the printer?" : ""
        throw CameraConnectionError(reason: "cannot reach the camera at \(host):\(port) (\(text))\(hint)", permanent: false)
    }

    private static func copy<T>(_ text: String, into storage: inout T) {
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let bytes = Array(text.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
        }
    }

    private static func string<T>(_ storage: T) -> String {
        withUnsafeBytes(of: storage) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
