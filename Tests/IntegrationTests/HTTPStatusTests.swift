// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial run` with `[http]`: /status over HTTP shows the simulated printers; camera codes end to end.

import BambuModel
import BridgeTestSupport
import CameraAdapter
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct HTTPStatusTests {
    @Test func statusShowsTheSimulatedPrintersAndCameraCodesWork() async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s")
        defer { Task { await harness.stop() } }
        let port = try Self.freePort()
        let config = try harness.writeConfig(Self.listening(on: port, harness.configText))
        let (daemon, _) = try await harness.startDaemon(config: config)
        defer { Task { await daemon.terminate() } }
        #expect(
            await daemon.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(port)") }
                != nil, "\(daemon.errorOutput.suffix(10))")

        // Poll /status until both printers are connected and reported their state.
        var printers: [JSONValue] = []
        let connected = await Wait.until(timeout: .seconds(20)) {
            guard let (status, body) = try? Self.get(port: port, "/status"), status == 200,
                let document = try? JSONValue(parsing: body)
            else { return false }
            let list = document["printers"]?.arrayValue ?? []
            return list.count == 2
                && list.allSatisfy { $0["state"]?.stringValue == "connected" && $0["gcode_state"]?.stringValue != nil }
        }
        #expect(connected)
        if let (_, body) = try? Self.get(port: port, "/status"), let document = try? JSONValue(parsing: body) {
            printers = document["printers"]?.arrayValue ?? []
        }
        #expect(printers.map { $0["name"]?.stringValue ?? "" } == ["x1c", "p1s"])
        #expect(printers.map { $0["model"]?.stringValue ?? "" } == ["x1c", "p1s"])
        #expect(printers.first?["gcode_state"]?.stringValue == "IDLE")
        #expect(printers.first?["temperatures"]?["nozzles"]?.arrayValue?.count == 1)
        #expect(printers.first?["temperatures"]?["bed"]?["target"]?.doubleValue != nil)
        #expect(printers.first?["hms"]?.intValue == 0)
        #expect(printers.map { $0["camera"]?["state"]?.stringValue ?? "" } == ["off", "off"], "no viewer yet")

        // Snapshots from both camera kinds: RTSPS decoded to JPEG (X1C), the JPEG stream passed through (P1S).
        for printer in ["x1c", "p1s"] {
            let snapshot = try Self.get(port: port, "/\(printer)/snapshot")
            #expect(snapshot.status == 200, "\(printer): \(String(decoding: snapshot.body.prefix(200), as: UTF8.self))")
            #expect(Self.jpegSize(snapshot.body).map { "\($0.width)x\($0.height)" } == "1280x720", "\(printer)")
            #expect(TurboJPEGDecoder.decode(snapshot.body).map { "\($0.width)x\($0.height)" } == "1280x720", "\(printer)")
        }
        #expect(try Self.get(port: port, "/nope/stream").status == 404)

        // Streams: at least ten whole JPEG frames from each kind, over multipart/x-mixed-replace.
        for printer in ["x1c", "p1s"] {
            let frames = try Self.streamFrames(port: port, "/\(printer)/stream", count: 10)
            #expect(frames.count >= 10, "\(printer): \(frames.count) frames")
            #expect(frames.allSatisfy { Self.jpegSize($0) != nil }, "\(printer)")
            // Every part decodes with libjpeg-turbo, block by block.
            #expect(frames.allSatisfy { TurboJPEGDecoder.decode($0)?.width == 1280 }, "\(printer)")
        }

        // Camera codes through the pty: recording reaches the simulator and comes back in its reports.
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        #expect(try await client.command("M8161") == ["ok"])
        #expect(try await client.command("M8161 S1") == ["ok"])
        #expect(await harness.waitForRequest("x1c", #"{"camera":{"sequence_id":"3","command":"ipcam_record_set","control":"enable"}}"#))
        var recording = false
        for _ in 0..<50 where !recording {
            recording = try await client.rawCommand("M8161").contains("// camera recording: on")
            if !recording { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recording)
        let saved = try await client.query("M8160", timeout: .seconds(20))
        let path = saved.first.flatMap { $0.hasPrefix("// snapshot saved: ") ? String($0.dropFirst(19)) : nil }
        #expect(saved.last == "ok" && path != nil, "\(saved)")
        if let path {
            #expect(path.hasPrefix(harness.directory + "/state/snapshots/x1c-") && path.hasSuffix(".jpg"))
            #expect(Self.jpegSize(Array(FileManager.default.contents(atPath: path) ?? Data())) != nil)
        }

        // SIGHUP with a new [http] listen address: the endpoint moves, the printers stay connected.
        let newPort = try Self.freePort()
        _ = try harness.writeConfig(Self.listening(on: newPort, harness.configText))
        daemon.signal(SIGHUP)
        #expect(
            await daemon.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(newPort)") }
                != nil)
        #expect(try Self.get(port: newPort, "/status").status == 200)
        #expect((try? Self.get(port: port, "/status")) == nil)
        #expect(try await client.command("M8161") == ["ok"])
    }

    /// The simulator keeps the ports it chose bound for its whole life: the HTTP port its
    /// configuration names, which nothing listens on until a daemon starts, refuses another
    /// simulator's probe bind (without `SO_REUSEADDR`), yet a server that sets `SO_REUSEADDR`, as the
    /// daemon's endpoint does, can listen on it. Released between choosing and binding, two parallel
    /// simulators could draw the same port and one never came up.
    @Test func theSimulatorsPortsStayReservedUntilItsServersBindThem() async throws {
        let harness = try await SimulatorHarness(models: "p1s")
        defer { Task { await harness.stop() } }
        let listen = harness.configText.split(separator: "\n").first { $0.hasPrefix("listen = \"127.0.0.1:") }
        let port = try #require(listen.flatMap { Int($0.dropFirst("listen = \"127.0.0.1:".count).dropLast()) })
        #expect(Self.bindLoopback(port: port, reuse: false) == EADDRINUSE, "a parallel simulator's probe is refused")
        #expect(Self.bindLoopback(port: port, reuse: true) == 0, "a reusing server still binds and listens")
    }

    /// Binds 127.0.0.1:`port` (with `SO_REUSEADDR` when `reuse`) and listens; 0 or the errno.
    static func bindLoopback(port: Int, reuse: Bool) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var on: Int32 = reuse ? 1 : 0
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else { return errno }
        return 0
    }

    /// The simulator's configuration with its `[http]` listen line pointed at `port`.
    static func listening(on port: Int, _ config: String) -> String {
        config.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("listen = ") ? "listen = \"127.0.0.1:\(port)\"" : String(line)
        }.joined(separator: "\n")
    }

    /// A port nobody listens on now (bound to 0, read, released).
    static func freePort() throws -> Int {
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
        guard bound else { throw HarnessError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// 127.0.0.1:`port` as a socket address.
    static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A TCP connection to 127.0.0.1:`port` with a 5 s receive timeout.
    static func connectToLoopback(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var time = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(descriptor)
            throw HarnessError("cannot connect to 127.0.0.1:\(port)")
        }
        return descriptor
    }

    /// A blocking GET with `Connection: close`, reading to the end (short answers only).
    static func get(port: Int, _ target: String) throws -> (status: Int, body: [UInt8]) {
        let descriptor = try connectToLoopback(port: port)
        defer { close(descriptor) }
        let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0...max(0, data.count - 4)).first(where: { Array(data[$0..<min(data.count, $0 + 4)]) == separator }),
            let statusLine = String(decoding: data[..<end], as: UTF8.self).split(separator: "\r\n").first,
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { throw HarnessError("no HTTP response from 127.0.0.1:\(port)") }
        return (status, Array(data[(end + 4)...]))
    }

    /// Width and height from a JPEG's SOF marker, or nil when the bytes are not a whole JPEG.
    static func jpegSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[bytes.count - 2] == 0xFF,
            bytes[bytes.count - 1] == 0xD9
        else { return nil }
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xC3).contains(marker) {
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                return (width, height)
            }
            index += 2 + length
        }
        return nil
    }

    /// Reads an MJPEG stream until `count` parts arrived (or 20 s passed) and returns their bodies.
    static func streamFrames(port: Int, _ target: String, count: Int) throws -> [[UInt8]] {
        let descriptor = try connectToLoopback(port: port)
        defer { close(descriptor) }
        let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var data: [UInt8] = []
        var frames: [[UInt8]] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let deadline = ContinuousClock.now + .seconds(20)
        let lengthHeader = Array("Content-Length: ".utf8)
        while frames.count < count, ContinuousClock.now < deadline {
            let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if received <= 0 { break }
            data.append(contentsOf: chunk[0..<received])
            // Cut whole parts: "Content-Length: n\r\n…\r\n\r\n" then n bytes.
            while let header = data.firstRange(of: lengthHeader),
                let end = data[header.upperBound...].firstRange(of: Array("\r\n\r\n".utf8))
            {
                let digits = data[header.upperBound...].prefix { $0 >= 0x30 && $0 <= 0x39 }
                guard let length = Int(String(decoding: digits, as: UTF8.self)) else { break }
                guard data.count >= end.upperBound + length else { break }
                frames.append(Array(data[end.upperBound..<(end.upperBound + length)]))
                data.removeSubrange(0..<(end.upperBound + length))
            }
        }
        return frames
    }
}

extension SerialClient {
    /// Sends a line and returns every reply line up to the `ok`, `//` notices included.
    func rawCommand(_ line: String, timeout: Duration = .seconds(5)) async throws -> [String] {
        try write(line + "\n")
        return await readReply(timeout: timeout)
    }
}
