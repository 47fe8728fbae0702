// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulator's side of the P1/A1 port-6000 camera: TLS, the 80-byte login, framed test-picture JPEGs.

internal import COpenSSL
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Why the JPEG stream server could not start.
package struct JPEGStreamServerError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}

/// A P1/A1-style camera listener (bambu-lan.md §7.2): the simulator's side of the protocol
/// ``JPEGStreamCameraSource`` speaks.
///
/// Exists so `bambu-serial sim` serves its P1/A1 printers' cameras in-process with the printer's
/// certificate and access code. It lives in this target because only the camera adapter may use
/// libturbojpeg. Everything runs on threads of its own, never on Swift's cooperative pool: one
/// accepts connections, one draws and encodes a moving test picture (only while someone is logged
/// in), and each client has one that checks the 80-byte login (a wrong one is closed without a
/// byte, as printers do) and then sends every new frame as a 16-byte header and the JPEG.
/// `@unchecked Sendable`: the TLS context is set once in `start()` before any thread uses it
/// (`SSL_new` on a shared context is thread-safe); all other shared state is behind locks.
package final class JPEGStreamServer: @unchecked Sendable {
    /// What the server serves.
    package struct Settings: Sendable {
        package var host: String
        package var port: Int
        /// PEM certificate (chain) and key: the printer's own, naming its serial.
        package var certificateFile: String
        package var keyFile: String
        package var accessCode: String
        package var width: Int
        package var height: Int
        package var framesPerSecond: Int
        package var quality: Int

        package init(
            host: String = "127.0.0.1", port: Int, certificateFile: String, keyFile: String, accessCode: String,
            width: Int = 1280, height: Int = 720, framesPerSecond: Int = 2, quality: Int = 80
        ) {
            self.host = host
            self.port = port
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.accessCode = accessCode
            self.width = width - width % 2
            self.height = height - height % 2
            self.framesPerSecond = max(1, framesPerSecond)
            self.quality = min(100, max(1, quality))
        }
    }

    /// The sockets to shut down on `stop()`, and whether it was called.
    private struct Sockets {
        var listener: Int32 = -1
        var clients: Set<Int32> = []
        var stopped = false
    }

    package let settings: Settings
    private let onConnection: @Sendable () -> Void
    private let onLogin: @Sendable () -> Void
    private let onLogout: @Sendable () -> Void
    private let sockets = NIOLockedValueBox(Sockets())
    private let board = FrameBoard()
    private let threads = DispatchGroup()
    private var context: OpaquePointer?

    /// `onConnection` runs for every TCP connection accepted, `onLogin` for every login with the
    /// right access code and `onLogout` when such a logged-in connection ends (the simulator and
    /// tests count them).
    package init(
        settings: Settings, onConnection: @escaping @Sendable () -> Void = {}, onLogin: @escaping @Sendable () -> Void = {},
        onLogout: @escaping @Sendable () -> Void = {}
    ) {
        self.settings = settings
        self.onConnection = onConnection
        self.onLogin = onLogin
        self.onLogout = onLogout
    }

    deinit {
        if let context { copenssl_context_free(context) }
    }

    /// Loads the certificate, listens and starts the threads. - Throws: when either fails.
    package func start() throws(JPEGStreamServerError) {
        // A viewer that goes away mid-frame must fail the write (EPIPE), not kill the simulator.
        _ = signal(SIGPIPE, SIG_IGN)
        var error = [CChar](repeating: 0, count: 256)
        guard let context = copenssl_server_context(settings.certificateFile, settings.keyFile, &error, error.count) else {
            throw JPEGStreamServerError(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.context = context
        let listener = try Self.listen(host: settings.host, port: settings.port)
        sockets.withLockedValue { $0.listener = listener }
        spawn("sim-jpeg-camera-\(settings.port)") { [self] in acceptLoop(listener) }
        spawn("sim-jpeg-picture-\(settings.port)") { [self] in drawLoop() }
    }

    /// Closes the listener and every connection and waits for the threads to end; safe to call twice.
    package func stop() {
        let first = sockets.withLockedValue { state -> Bool in
            defer { state.stopped = true }
            guard !state.stopped else { return false }
            if state.listener >= 0 { _ = shutdown(state.listener, Int32(SHUT_RDWR)) }
            for client in state.clients { _ = shutdown(client, Int32(SHUT_RDWR)) }
            return true
        }
        if first { board.stop() }
        threads.wait()
    }

    private var isStopped: Bool { sockets.withLockedValue { $0.stopped } }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let thread = Thread { [threads] in
            body()
            threads.leave()
        }
        thread.name = name
        thread.start()
    }

    // MARK: - Connections

    private func acceptLoop(_ listener: Int32) {
        defer { Glibc.close(listener) }
        while !isStopped {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let registered = sockets.withLockedValue { state -> Bool in
                guard !state.stopped else { return false }
                state.clients.insert(client)
                return true
            }
            guard registered else {
                Glibc.close(client)
                return
            }
            onConnection()
            spawn("sim-jpeg-client-\(settings.port)") { [self] in
                serve(client)
                sockets.withLockedValue { _ = $0.clients.remove(client) }
                Glibc.close(client)
            }
        }
    }

    /// One client: TLS, the login, then frames until it goes away or the server stops.
    private func serve(_ descriptor: Int32) {
        var interval = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        guard let context, let ssl = SSL_new(context) else { return }
        defer { SSL_free(ssl) }
        _ = SSL_set_fd(ssl, descriptor)
        guard SSL_accept(ssl) == 1 else { return }
        var login = [UInt8](repeating: 0, count: 80)
        var received = 0
        while received < login.count {
            let count = login[received...].withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { return }
            received += Int(count)
        }
        // A printer answers a wrong login by closing without a byte (bambu-lan.md §7.2).
        guard login == JPEGStreamCameraSource.authenticationPacket(accessCode: settings.accessCode) else { return }
        onLogin()
        defer { onLogout() }
        board.viewerJoined()
        defer { board.viewerLeft() }
        var seen = 0
        while let (number, jpeg) = board.frame(after: seen) {
            seen = number
            let size = UInt32(jpeg.count)
            let header: [UInt8] = [
                UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24), 0, 0, 0, 0, 1, 0, 0, 0,
                0, 0, 0, 0,
            ]
            guard Self.write(header, to: ssl), Self.write(jpeg, to: ssl) else { return }
        }
    }

    private static func write(_ bytes: [UInt8], to ssl: OpaquePointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            guard written > 0 else { return false }
            offset += Int(written)
        }
        return true
    }

    private static func listen(host: String, port: Int) throws(JPEGStreamServerError) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw JPEGStreamServerError("cannot create a socket") }
        var reuse: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && Glibc.listen(descriptor, 8) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw JPEGStreamServerError("cannot listen on \(host):\(port) (\(reason))")
        }
        return descriptor
    }

    // MARK: - The picture

    /// Draws and encodes frames at the configured rate while at least one client is logged in.
    private func drawLoop() {
        guard let encoder = TurboJPEGEncoder() else { return }
        var picture = TestPicture(width: settings.width, height: settings.height)
        let interval = Duration.seconds(1) / settings.framesPerSecond
        let clock = ContinuousClock()
        var next = clock.now
        while board.waitForViewers() {
            let jpeg = picture.next(encoder: encoder, quality: settings.quality)
            if let jpeg { board.publish(jpeg) }
            next = max(next + interval, clock.now - interval)
            guard board.sleep(until: next) else { return }
        }
    }
}

/// The newest frame, its number, and how many clients are logged in; clients wait on it for the next frame.
///
/// Exists so one encoded frame goes to every client (as a printer's camera does) and the picture
/// thread sleeps while nobody watches. `@unchecked Sendable`: every field is guarded by `condition`.
private final class FrameBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private var jpeg: [UInt8] = []
    private var number = 0
    private var viewers = 0
    private var stopped = false

    func viewerJoined() { locked { viewers += 1 } }
    func viewerLeft() { locked { viewers -= 1 } }

    func stop() { locked { stopped = true } }

    func publish(_ frame: [UInt8]) {
        locked {
            jpeg = frame
            number += 1
        }
    }

    /// Blocks until someone watches; false when stopped.
    func waitForViewers() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while viewers == 0, !stopped { condition.wait() }
        return !stopped
    }

    /// Blocks until `instant`; false when stopped first.
    func sleep(until instant: ContinuousClock.Instant) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            let left = instant - .now
            guard left > .zero else { break }
            let (seconds, attoseconds) = left.components
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) * 1e-18))
        }
        return !stopped
    }

    /// Blocks until a frame newer than `seen` exists; nil when stopped.
    func frame(after seen: Int) -> (Int, [UInt8])? {
        condition.lock()
        defer { condition.unlock() }
        while number == seen || jpeg.isEmpty, !stopped { condition.wait() }
        return stopped ? nil : (number, jpeg)
    }

    private func locked(_ change: () -> Void) {
        condition.lock()
        change()
        condition.broadcast()
        condition.unlock()
    }
}

/// A moving test picture in YUV 4:2:0: colour bars with a grey ramp and a white square that bounces.
private struct TestPicture {
    let width: Int
    let height: Int
    private let background: (luma: [UInt8], blue: [UInt8], red: [UInt8])
    private var luma: [UInt8]
    private var blue: [UInt8]
    private var red: [UInt8]
    private var frame = 0

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        // Seven bars (white, yellow, cyan, green, magenta, red, blue) as BT.601 Y, Cb, Cr.
        let bars: [(UInt8, UInt8, UInt8)] = [
            (180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58), (84, 184, 198), (65, 100, 212), (35, 212, 114),
        ]
        var luma = [UInt8](repeating: 0, count: width * height)
        var blue = [UInt8](repeating: 128, count: width / 2 * (height / 2))
        var red = [UInt8](repeating: 128, count: width / 2 * (height / 2))
        let barRows = height * 2 / 3
        for y in 0..<height {
            for x in 0..<width {
                luma[y * width + x] = y < barRows ? bars[x * bars.count / width].0 : UInt8(16 + x * 219 / width)
            }
        }
        for y in 0..<(barRows / 2) {
            for x in 0..<(width / 2) {
                let bar = bars[x * 2 * bars.count / width]
                blue[y * (width / 2) + x] = bar.1
                red[y * (width / 2) + x] = bar.2
            }
        }
        background = (luma, blue, red)
        self.luma = luma
        self.blue = blue
        self.red = red
    }

    /// Draws the next frame and encodes it; nil when TurboJPEG fails.
    mutating func next(encoder: TurboJPEGEncoder, quality: Int) -> [UInt8]? {
        luma = background.luma
        blue = background.blue
        red = background.red
        let side = min(width, height) / 6 & ~1
        let spanX = max(1, width - side)
        let spanY = max(1, height - side)
        let stepX = frame * 24 % (2 * spanX)
        let stepY = frame * 16 % (2 * spanY)
        let left = (stepX < spanX ? stepX : 2 * spanX - stepX) & ~1
        let top = (stepY < spanY ? stepY : 2 * spanY - stepY) & ~1
        frame += 1
        for y in top..<(top + side) {
            luma.withUnsafeMutableBufferPointer { $0[(y * width + left)..<(y * width + left + side)].update(repeating: 235) }
        }
        for y in (top / 2)..<((top + side) / 2) {
            let start = y * (width / 2) + left / 2
            blue.withUnsafeMutableBufferPointer { $0[start..<(start + side / 2)].update(repeating: 128) }
            red.withUnsafeMutableBufferPointer { $0[start..<(start + side / 2)].update(repeating: 128) }
        }
        let (pictureWidth, pictureHeight) = (width, height)
        return luma.withUnsafeBufferPointer { luma in
            blue.withUnsafeBufferPointer { blue in
                red.withUnsafeBufferPointer { red in
                    encoder.encode(
                        luma: luma.baseAddress!, blue: blue.baseAddress!, red: red.baseAddress!,
                        strides: (Int32(pictureWidth), Int32(pictureWidth / 2), Int32(pictureWidth / 2)),
                        width: pictureWidth, height: pictureHeight,
                        quality: quality)
                }
            }
        }
    }
}
