// SPDX-License-Identifier: AGPL-3.0-or-later
// The P1/A1 camera: framed JPEGs over TLS on port 6000, passed through as they arrive.

package import BridgeRuntime
import NIOConcurrencyHelpers

/// A P1P, P1S, A1, A1 mini or A2L camera (bambu-lan.md §7.2).
///
/// Exists to turn the printer's own framing (80-byte login, then a 16-byte header and a JPEG per
/// frame) into ``CameraFrame``s without re-encoding. The printer answers a wrong access code by
/// sending nothing and closing; three such logins in a row are reported as a permanent failure.
package final class JPEGStreamCameraSource: CameraSource, FrameCountingCameraSource {
    /// Frames larger than this are a broken stream (BDY rejects the same).
    static let maximumFrameSize = 10 * 1024 * 1024
    /// Logins the printer answered with nothing before the access code is declared wrong.
    package static let silentLoginsBeforeGivingUp = 3

    private let settings: CameraSourceSettings
    private let worker: CameraWorker
    /// The learned pin (pinned mode without a stored pin) and the count of silent logins.
    private let memory: NIOLockedValueBox<(pin: String?, silentLogins: Int)>
    private let pinLearned: @Sendable (String) -> Void
    private let counters = FrameCounters()

    package var frameCounts: CameraFrameCounts { counters.snapshot }

    /// `pinLearned` gets the fingerprint the first time pinned mode without a pin accepts a certificate.
    package init(settings: CameraSourceSettings, pinLearned: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.pinLearned = pinLearned
        worker = CameraWorker(
            name: "camera-\(settings.serial)", initialBackoff: settings.initialBackoff,
            maximumBackoff: settings.maximumBackoff)
        if case .pinned(_, let pin) = settings.security {
            memory = NIOLockedValueBox((pin, 0))
        } else {
            memory = NIOLockedValueBox((nil, 0))
        }
    }

    package func start() -> AsyncStream<CameraSourceEvent> {
        worker.start { [self] worker in connectOnce(worker) }
    }

    package func stop() { worker.stop() }

    /// The 80-byte login packet (bambu-lan.md §7.2): sizes little-endian, user and code NUL-padded to 32.
    package static func authenticationPacket(accessCode: String) -> [UInt8] {
        var packet: [UInt8] = [0x40, 0, 0, 0, 0x00, 0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        for field in ["bblp", accessCode] {
            var bytes = Array(field.utf8.prefix(32))
            bytes += [UInt8](repeating: 0, count: 32 - bytes.count)
            packet += bytes
        }
        return packet
    }

    private func connectOnce(_ worker: CameraWorker) -> (error: CameraConnectionError?, delivered: Bool) {
        let connection: PrinterTLSConnection
        do {
            connection = try PrinterTLSConnection(
                host: settings.host, port: settings.port, security: settings.security,
                pin: memory.withLockedValue { $0.pin }, timeout: settings.readTimeout, worker: worker)
        } catch {
            return (error, false)
        }
        defer { connection.close() }
        if case .pinned = settings.security, let fingerprint = connection.fingerprint {
            let learned = memory.withLockedValue { state -> Bool in
                guard state.pin == nil else { return false }
                state.pin = fingerprint
                return true
            }
            if learned { pinLearned(fingerprint) }
        }
        var delivered = false
        do {
            try connection.write(Self.authenticationPacket(accessCode: settings.accessCode))
            var announced = false
            let minimumInterval = settings.maxFramesPerSecond > 0 ? Duration.seconds(1 / settings.maxFramesPerSecond) : .zero
            var lastDelivered: ContinuousClock.Instant?
            while !worker.isStopped {
                guard let header = try readExactly(16, from: connection) else {
                    if delivered || worker.isStopped { return (CameraConnectionError(reason: "the printer closed the camera connection", permanent: false), delivered) }
                    return (silentLogin(), false)
                }
                if !announced {
                    // The first header is the only sign the login was accepted.
                    announced = true
                    worker.emit(.streaming)
                }
                let size = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
                guard size > 0, size <= Self.maximumFrameSize else {
                    return (CameraConnectionError(reason: "the camera sent a frame of \(size) bytes", permanent: false), delivered)
                }
                guard let jpeg = try readExactly(size, from: connection) else {
                    return (CameraConnectionError(reason: "the printer closed the camera connection", permanent: false), delivered)
                }
                memory.withLockedValue { $0.silentLogins = 0 }
                counters.countDecoded()
                let now = ContinuousClock.now
                if let lastDelivered, now - lastDelivered < minimumInterval { continue }
                counters.countAdmitted()
                guard let size = JPEGImageInfo.dimensions(of: jpeg) else {
                    return (CameraConnectionError(reason: "the camera sent a frame that is not a JPEG", permanent: false), delivered)
                }
                lastDelivered = now
                delivered = true
                counters.countDelivered()
                worker.emit(.frame(CameraFrame(jpeg: jpeg, width: size.width, height: size.height, receivedAt: now)))
            }
            return (nil, delivered)
        } catch {
            if worker.isStopped { return (nil, delivered) }
            if error.reason == "timeout" {
                let seconds = settings.readTimeout.components.seconds
                return (CameraConnectionError(
                    reason: "the camera sent no frame for \(seconds) s (a P1 serves two viewers at once; a third waits)",
                    permanent: false), delivered)
            }
            return (CameraConnectionError(reason: "camera connection failed (\(error.reason))", permanent: false), delivered)
        }
    }

    /// The printer closed right after the login without a byte: what it does with a wrong code.
    private func silentLogin() -> CameraConnectionError {
        let count = memory.withLockedValue { state in
            state.silentLogins += 1
            return state.silentLogins
        }
        if count >= Self.silentLoginsBeforeGivingUp {
            return CameraConnectionError(
                reason: "the printer refused the camera login \(count) times in a row: the access code is wrong",
                permanent: true)
        }
        return CameraConnectionError(
            reason: "the printer closed the camera connection right after the login (wrong access code?)",
            permanent: false)
    }

    /// Reads exactly `count` bytes; nil when the connection closed before the first byte of them
    /// or in the middle.
    private func readExactly(_ count: Int, from connection: PrinterTLSConnection) throws(CameraConnectionError) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let chunk = try connection.read(upTo: min(count - bytes.count, 64 * 1024))
            if chunk.isEmpty { return nil }
            bytes += chunk
        }
        return bytes
    }
}
