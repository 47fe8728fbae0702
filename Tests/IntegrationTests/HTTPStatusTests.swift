// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial run` with `[http]`: /status over HTTP shows the simulated printers; camera codes end to end.

import BambuModel
import BridgeTestSupport
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
        let config = try harness.writeConfig(harness.configText + "\n[http]\nlisten = \"127.0.0.1:\(port)\"\n")
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
        // No camera source is wired into this build yet: the camera is reported unavailable.
        #expect(printers.first?["camera"]?["state"]?.stringValue == "unavailable")

        let snapshot = try Self.get(port: port, "/x1c/snapshot")
        #expect(snapshot.status == 503)
        #expect(String(decoding: snapshot.body, as: UTF8.self) == "no snapshot from x1c's camera: this daemon has no camera support\n")
        #expect(try Self.get(port: port, "/nope/stream").status == 404)

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
        #expect(try await client.command("M8160") == ["echo:M8160: no snapshot from x1c's camera: this daemon has no camera support", "ok"])

        // SIGHUP with a new [http] listen address: the endpoint moves, the printers stay connected.
        let newPort = try Self.freePort()
        _ = try harness.writeConfig(harness.configText + "\n[http]\nlisten = \"127.0.0.1:\(newPort)\"\n")
        daemon.signal(SIGHUP)
        #expect(
            await daemon.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(newPort)") }
                != nil)
        #expect(try Self.get(port: newPort, "/status").status == 200)
        #expect((try? Self.get(port: port, "/status")) == nil)
        #expect(try await client.command("M8161") == ["ok"])
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

    /// A blocking GET with `Connection: close`, reading to the end (short answers only).
    static func get(port: Int, _ target: String) throws -> (status: Int, body: [UInt8]) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var time = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw HarnessError("cannot connect to 127.0.0.1:\(port)") }
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
}

extension SerialClient {
    /// Sends a line and returns every reply line up to the `ok`, `//` notices included.
    func rawCommand(_ line: String, timeout: Duration = .seconds(5)) async throws -> [String] {
        try write(line + "\n")
        return await readLines(timeout: timeout) { $0.last?.hasPrefix("ok") == true }
    }
}
