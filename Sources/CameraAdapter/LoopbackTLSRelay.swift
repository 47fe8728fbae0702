// SPDX-License-Identifier: AGPL-3.0-or-later
// Terminates the printer's RTSPS TLS on loopback so libavformat reads plain RTSP.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Copies bytes between one loopback TCP client (libavformat) and the printer's TLS connection.
///
/// Exists because libavformat's own TLS (GnuTLS in Debian's build) can only verify against a CA
/// with a host name, cannot check a pinned fingerprint, and trips over some printers' TLS
/// behaviour (bambu-lan.md §7.1, the P2S renegotiation): here the handshake is ours, through the
/// same COpenSSL policy as MQTT and FTPS, and libavformat gets `rtsp://127.0.0.1:<port>`.
/// The listener accepts exactly one connection and closes; the relay ends when either side
/// closes, when the printer is silent for the read timeout, or when the worker stops.
/// Used by one thread at a time: built on the camera thread, then owned by the relay thread.
final class LoopbackTLSRelay: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstream: PrinterTLSConnection
    private let worker: CameraWorker
    private let idleTimeout: Duration
    private let finished = DispatchSemaphore(value: 0)
    /// Why the relay ended, when the printer side ended it.
    private(set) var endReason: String?

    init(upstream: PrinterTLSConnection, worker: CameraWorker, idleTimeout: Duration) throws(CameraConnectionError) {
        self.upstream = upstream
        self.worker = worker
        self.idleTimeout = idleTimeout
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 1) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard descriptor >= 0, bound, worker.register(descriptor) else {
            if descriptor >= 0 { Glibc.close(descriptor) }
            throw CameraConnectionError(reason: "cannot open a loopback socket for the camera", permanent: false)
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the relay thread.
    func start(name: String) {
        let thread = Thread { [self] in
            pump()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the relay thread has closed both connections.
    func waitUntilFinished() { finished.wait() }

    private func pump() {
        defer {
            worker.unregister(listener)
            Glibc.close(listener)
            upstream.close()
        }
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, Self.milliseconds(idleTimeout)) == 1 else {
            endReason = "libavformat did not connect"
            return
        }
        let client = accept(listener, nil, nil)
        if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
        guard client >= 0, worker.register(client) else {
            if client >= 0 { Glibc.close(client) }
            return
        }
        defer {
            worker.unregister(client)
            Glibc.close(client)
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var lastUpstreamData = ContinuousClock.now
        while !worker.isStopped {
            var descriptors = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: upstream.descriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = upstream.hasPendingBytes ? 1 : poll(&descriptors, 2, 500)
            if ready < 0, errno != EINTR { return }
            if ready == 0 {
                if ContinuousClock.now - lastUpstreamData > idleTimeout {
                    endReason = "the camera sent nothing for \(idleTimeout.components.seconds) s"
                    return
                }
                continue
            }
            if descriptors[0].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(client, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                do {
                    try upstream.write(Array(buffer[0..<count]))
                } catch {
                    endReason = "the printer closed the camera connection"
                    return
                }
            }
            if upstream.hasPendingBytes || descriptors[1].revents != 0 {
                let chunk: [UInt8]
                do {
                    chunk = try upstream.read(upTo: buffer.count)
                } catch {
                    endReason = "camera connection failed (\(error.reason))"
                    return
                }
                guard !chunk.isEmpty else {
                    endReason = "the printer closed the camera connection"
                    return
                }
                lastUpstreamData = .now
                guard Self.writeAll(chunk, to: client) else { return }
            }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
