// SPDX-License-Identifier: AGPL-3.0-or-later
// Both camera sources against the simulator's cameras: frames, stop, wrong code, certificate, reconnect.

import BridgeRuntime
import BridgeTestSupport
import CameraAdapter
import Foundation
import NIOConcurrencyHelpers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A running `bambu-serial sim` with one RTSPS (X1C) and one JPEG-stream (P1S) camera.
final class CameraSimulator: Sendable {
    let process: ChildProcess
    let directory: String
    /// Per printer name: serial, access code, camera port.
    let printers: [String: (serial: String, code: String, port: Int)]

    init() async throws {
        var template = Array("/tmp/bambu-camera-test-XXXXXX".utf8CString)
        directory = String(cString: mkdtemp(&template))
        process = try ChildProcess(["sim", "--models", "x1c,p1s", "--dir", directory, "--camera-fps", "10", "--rtsps-fps", "5", "--exit-with-parent"])
        guard await process.waitForLine(timeout: .seconds(40), { $0.hasPrefix("ready ") }) != nil else {
            throw CameraTestError("simulator not ready: \(process.output) \(process.errorOutput)")
        }
        let config = try String(contentsOfFile: directory + "/bambu-serial.toml", encoding: .utf8)
        var printers: [String: (serial: String, code: String, port: Int)] = [:]
        for line in process.output where line.hasPrefix("printer ") {
            let words = line.split(separator: " ")
            let name = String(words[1])
            let fields = Dictionary(
                words.dropFirst(2).compactMap { word -> (String, String)? in
                    guard let equals = word.firstIndex(of: "=") else { return nil }
                    return (String(word[..<equals]), String(word[word.index(after: equals)...]))
                }, uniquingKeysWith: { first, _ in first })
            guard let serial = fields["serial"], let camera = fields["camera"], let port = camera.split(separator: ":").last.flatMap({ Int($0) })
            else { continue }
            let block = config.components(separatedBy: "name = \"\(name)\"").dropFirst().first ?? ""
            let code = block.components(separatedBy: "access_code = \"").dropFirst().first?.split(separator: "\"").first
            printers[name] = (serial, code.map(String.init) ?? "", port)
        }
        self.printers = printers
        OutputMirror.recordCodes(printers.values.map(\.code), name: (directory as NSString).lastPathComponent)
        guard printers["x1c"] != nil, printers["p1s"] != nil else {
            throw CameraTestError("no camera ports in the printer lines: \(process.output)")
        }
    }

    var caFile: String { directory + "/ca.pem" }

    func settings(_ name: String, code: String? = nil, expectedName: String? = nil) -> CameraSourceSettings {
        let printer = printers[name]!
        return CameraSourceSettings(
            host: "127.0.0.1", port: printer.port, serial: printer.serial, accessCode: code ?? printer.code,
            security: .ca(file: caFile, expectedName: expectedName ?? printer.serial),
            kind: name == "x1c" ? .rtsps : .jpegStream, quality: 80, maxFramesPerSecond: 15,
            readTimeout: .seconds(5), initialBackoff: .milliseconds(200), maximumBackoff: .seconds(1))
    }

    func stop() async { _ = await process.terminate() }
}

struct CameraTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Collects a source's events from a task so tests can wait on them.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[CameraSourceEvent]>([])
    private let ended = NIOLockedValueBox(false)
    private let endedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

    init(_ stream: AsyncStream<CameraSourceEvent>) {
        Task { [self] in
            for await event in stream { events.withLockedValue { $0.append(event) } }
            endedAt.withLockedValue { $0 = .now }
            ended.withLockedValue { $0 = true }
        }
    }

    var all: [CameraSourceEvent] { events.withLockedValue { $0 } }
    var isFinished: Bool { ended.withLockedValue { $0 } }
    var finishedAt: ContinuousClock.Instant? { endedAt.withLockedValue { $0 } }
    var frames: [CameraFrame] {
        all.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
    }
    var failures: [(reason: String, permanent: Bool)] {
        all.compactMap { if case .failed(let reason, let permanent) = $0 { (reason, permanent) } else { nil } }
    }
}

/// Established TCP connections of this process whose remote port is `port` (from /proc/net/tcp*).
func establishedConnections(toPort port: Int) -> Int {
    var ourSockets: Set<String> = []
    for fd in 0..<4096 {
        var target = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/self/fd/\(fd)", &target, target.count - 1)
        guard length > 8 else { continue }
        let text = String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("socket:[") { ourSockets.insert(String(text.dropFirst(8).dropLast())) }
    }
    var count = 0
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = readProcFile(table)
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[3] == "01", let remotePort = fields[2].split(separator: ":").last,
                Int(remotePort, radix: 16) == port, ourSockets.contains(String(fields[9]))
            else { continue }
            count += 1
        }
    }
    return count
}

@Suite(.serialized) struct SimulatedCameraTests {
    static let simulator = Task { try await CameraSimulator() }

    private func frames(_ name: String) async throws {
        let simulator = try await Self.simulator.value
        let source = CameraSources.make(simulator.settings(name))
        let log = EventLog(source.start())
        let enough = await Wait.until(timeout: .seconds(20)) { log.frames.count >= 10 }
        #expect(enough, "events: \(log.all.prefix(5)) failures: \(log.failures)")
        for frame in log.frames {
            #expect(Array(frame.jpeg.prefix(2)) == [0xFF, 0xD8])
            #expect(Array(frame.jpeg.suffix(2)) == [0xFF, 0xD9])
            #expect(frame.width == 1280 && frame.height == 720)
            #expect(JPEGImageInfo.dimensions(of: frame.jpeg)?.width == 1280)
            #expect(JPEGImageInfo.dimensions(of: frame.jpeg)?.height == 720)
            // Every block decodes: a whole picture, not only well-formed markers.
            let decoded = TurboJPEGDecoder.decode(frame.jpeg)
            #expect(decoded?.width == 1280 && decoded?.height == 720, "TurboJPEG could not decode a \(frame.jpeg.count)-byte frame")
        }
        if let frame = log.frames.first {
            // The decode check can fail: cut the entropy-coded data short, keep the markers and EOI.
            var damaged = frame.jpeg
            damaged.removeSubrange(damaged.count / 2..<(damaged.count - 2))
            #expect(JPEGImageInfo.dimensions(of: damaged) != nil)
            #expect(TurboJPEGDecoder.decode(damaged) == nil)
        }
        // The source's stream keeps its newest 16 events: on a loaded machine the first ones can be gone
        // before the log reads them (the hub takes a frame as "streaming" too). What was kept is in order.
        let states = log.all.filter { if case .frame = $0 { false } else { true } }
        #expect(states.allSatisfy { $0 == .connecting || $0 == .streaming }, "\(states)")
        if let connecting = states.firstIndex(of: .connecting), let streaming = states.firstIndex(of: .streaming) {
            #expect(connecting < streaming)
        }
        #expect(log.all.count > 16 || (log.all.first == .connecting && log.all.contains(.streaming)), "\(states)")
        #expect(log.failures.isEmpty)
        let port = simulator.printers[name]!.port
        #expect(establishedConnections(toPort: port) == 1)

        let stopped = ContinuousClock.now
        source.stop()
        let finished = await Wait.until(timeout: .seconds(2)) { log.isFinished }
        #expect(finished, "the stream did not end within 2 s of stop()")
        if let end = log.finishedAt { #expect(end - stopped < .milliseconds(1500)) }
        #expect(establishedConnections(toPort: port) == 0)
        source.stop()  // idempotent
    }

    @Test func rtspsCameraDeliversJPEGFramesAndStopsPromptly() async throws { try await frames("x1c") }

    @Test func jpegStreamCameraDeliversFramesAndStopsPromptly() async throws { try await frames("p1s") }

    private func wrongCode(_ name: String, expecting text: String) async throws {
        let simulator = try await Self.simulator.value
        let source = CameraSources.make(simulator.settings(name, code: "00000000"))
        let log = EventLog(source.start())
        let finished = await Wait.until(timeout: .seconds(15)) { log.isFinished }
        #expect(finished, "events: \(log.all)")
        let last = log.failures.last
        #expect(last?.permanent == true)
        #expect(last?.reason.contains(text) == true, "reason: \(last?.reason ?? "none")")
        #expect(log.frames.isEmpty)
        #expect(!log.all.contains(.streaming))
        #expect(!log.all.description.contains("00000000"))
        source.stop()
    }

    /// At 2 fps from a 15 fps stream, decoded frames are dropped before the encoder (no exact ratio:
    /// the simulator's rate sags on a loaded machine); every admitted one is delivered.
    @Test func rtspsCountsDecodedAdmittedAndDeliveredFrames() async throws {
        let simulator = try await Self.simulator.value
        var settings = simulator.settings("x1c")
        settings.maxFramesPerSecond = 2
        let source = RTSPCameraSource(settings: settings)
        let log = EventLog(source.start())
        #expect(await Wait.until(timeout: .seconds(20)) { log.frames.count >= 4 }, "\(log.failures)")
        source.stop()
        #expect(await Wait.until(timeout: .seconds(3)) { log.isFinished })
        let counts = source.frameCounts
        #expect(counts.delivered == log.frames.count, "\(counts)")
        #expect(counts.admitted == counts.delivered, "\(counts)")
        #expect(counts.decoded > counts.admitted, "a 15 fps stream limited to 2 fps: \(counts)")
    }

    @Test func rtspsWrongAccessCodeIsPermanent() async throws {
        try await wrongCode("x1c", expecting: "refused the access code (RTSP 401")
    }

    @Test func jpegStreamWrongAccessCodeIsPermanent() async throws {
        try await wrongCode("p1s", expecting: "the access code is wrong")
    }

    @Test(arguments: ["x1c", "p1s"])
    func certificateNamingAnotherSerialIsRefusedPermanently(_ name: String) async throws {
        let simulator = try await Self.simulator.value
        let source = CameraSources.make(simulator.settings(name, expectedName: "00M09Z999999999"))
        let log = EventLog(source.start())
        let finished = await Wait.until(timeout: .seconds(10)) { log.isFinished }
        #expect(finished)
        #expect(log.failures.last?.permanent == true)
        #expect(log.failures.last?.reason.contains("not the printer serial '00M09Z999999999'") == true, "\(log.failures)")
        source.stop()
    }

    @Test func bothSourcesReconnectAfterTheCameraServerRestarts() async throws {
        let simulator = try await Self.simulator.value
        let sources = ["x1c", "p1s"].map { CameraSources.make(simulator.settings($0)) }
        let logs = sources.map { EventLog($0.start()) }
        #expect(await Wait.until(timeout: .seconds(20)) { logs.allSatisfy { $0.frames.count >= 3 } })
        simulator.process.send("camera restart")
        #expect(await Wait.until(timeout: .seconds(20)) { logs.allSatisfy { !$0.failures.isEmpty } }, "\(logs.map(\.failures))")
        let counts = logs.map(\.frames.count)
        let resumed = await Wait.until(timeout: .seconds(30)) {
            zip(logs, counts).allSatisfy { log, count in log.frames.count >= count + 5 }
        }
        #expect(resumed, "failures: \(logs.map(\.failures))")
        #expect(logs.allSatisfy { $0.failures.allSatisfy { !$0.permanent } })
        for source in sources { source.stop() }
        #expect(await Wait.until(timeout: .seconds(3)) { logs.allSatisfy(\.isFinished) })
    }
}

/// Reads a procfs file to its end (Foundation stops after the first chunk of a seq_file).
func readProcFile(_ path: String) -> String {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return "" }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The simulator's own port-6000 server (``JPEGStreamServer``) against the bridge's client.
@Suite struct JPEGStreamServerTests {
    /// A server with the simulated P1S's certificate on a port of its own, counting connections.
    private func server(code: String, fps: Int) async throws -> (JPEGStreamServer, CameraSimulator, ConnectionCounter, ConnectionCounter, Int) {
        let simulator = try await SimulatedCameraTests.simulator.value
        let serial = simulator.printers["p1s"]!.serial
        let port = try FreeTestPort.take()
        let connections = ConnectionCounter()
        let logins = ConnectionCounter()
        let server = JPEGStreamServer(
            settings: JPEGStreamServer.Settings(
                port: port, certificateFile: simulator.directory + "/tls/\(serial).pem",
                keyFile: simulator.directory + "/tls/\(serial).key", accessCode: code, width: 320, height: 240,
                framesPerSecond: fps),
            onConnection: { connections.add() }, onLogin: { logins.add() })
        try server.start()
        return (server, simulator, connections, logins, port)
    }

    private func settings(_ simulator: CameraSimulator, port: Int, code: String) -> CameraSourceSettings {
        var settings = simulator.settings("p1s", code: code)
        settings.port = port
        return settings
    }

    @Test func servesFramedTestPicturesAtTheConfiguredRateAndClosesOnStop() async throws {
        let (server, simulator, connections, logins, port) = try await server(code: "24681357", fps: 5)
        defer { server.stop() }
        let sources = (0..<2).map { _ in JPEGStreamCameraSource(settings: settings(simulator, port: port, code: "24681357")) }
        let logs = sources.map { EventLog($0.start()) }
        let started = ContinuousClock.now
        #expect(await Wait.until(timeout: .seconds(10)) { logs.allSatisfy { $0.frames.count >= 6 } }, "\(logs.map(\.failures))")
        // Six frames at 5 fps take at least a second (the first may come at once).
        #expect(ContinuousClock.now - started >= .milliseconds(900))
        for frame in logs.flatMap(\.frames) {
            #expect(frame.width == 320 && frame.height == 240)
            #expect(Array(frame.jpeg.prefix(4)) == [0xFF, 0xD8, 0xFF, 0xE0])
            #expect(Array(frame.jpeg.suffix(2)) == [0xFF, 0xD9])
        }
        // The picture moves: consecutive frames differ.
        let frames = logs[0].frames
        #expect(Set(frames.map(\.jpeg)).count == frames.count)
        #expect(connections.value == 2)
        #expect(logins.value == 2)
        server.stop()
        #expect(await Wait.until(timeout: .seconds(5)) { logs.allSatisfy { !$0.failures.isEmpty } }, "stop closes the clients")
        for source in sources { source.stop() }
    }

    @Test func closesAWrongLoginWithoutAByte() async throws {
        let (server, simulator, connections, logins, port) = try await server(code: "24681357", fps: 5)
        defer { server.stop() }
        let source = JPEGStreamCameraSource(settings: settings(simulator, port: port, code: "13572468"))
        let log = EventLog(source.start())
        #expect(await Wait.until(timeout: .seconds(15)) { log.isFinished })
        #expect(log.frames.isEmpty)
        #expect(log.failures.last?.permanent == true)
        #expect(log.failures.last?.reason.contains("the access code is wrong") == true, "\(log.failures)")
        #expect(connections.value == JPEGStreamCameraSource.silentLoginsBeforeGivingUp)
        #expect(logins.value == 0)
        source.stop()
    }
}

/// A loopback TCP port nobody listens on now (bound to 0, read, released).
enum FreeTestPort {
    static func take() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw CameraTestError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Connections a test server accepted, counted from its accept thread.
final class ConnectionCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    func add() { count.withLockedValue { $0 += 1 } }
    var value: Int { count.withLockedValue { $0 } }
}
