// SPDX-License-Identifier: AGPL-3.0-or-later
// The HTTP endpoint on a real NIO server with fake cameras: streams, snapshots, /status, errors, token.

import BambuModel
import BridgeConfig
import BridgeCore
import BridgeRuntime
import Foundation
import HTTPAdapter
import Logging
import Testing

@Suite(.timeLimit(.minutes(1))) struct HTTPEndpointTests {
    static let boundary = "bambu-serial-frame"

    static let statuses: [PrinterStatus] = [
        PrinterStatus(
            enabled: true, serial: "00M00A000000001",
            session: SessionStatus(
                name: "x1c", model: .x1c, linkState: .connected, gcodeState: "RUNNING", progressPercent: 42,
                jobName: "benchy", nozzles: [Temperature(current: 219.5, target: 220)],
                bed: Temperature(current: 55, target: 55), chamber: Temperature(current: 31, target: 0), hmsCount: 2)),
        PrinterStatus(
            enabled: true, serial: "01P00A000000002",
            session: SessionStatus(name: "p1s", model: .p1s, linkState: .reconnecting(reason: "connection refused"))),
    ]

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` against an endpoint on a free port.
    private func withEndpoint(
        _ cameras: FakeCameras, token: String? = nil, idleTimeout: Duration = .seconds(60),
        snapshotTimeout: Duration = .seconds(3),
        _ body: (_ port: Int, _ hub: CameraHub) async throws -> Void
    ) async throws {
        let hub = CameraHub(idleTimeout: idleTimeout, snapshotTimeout: snapshotTimeout, makeSource: cameras.factory)
        let endpoint = try await HTTPEndpoint.start(
            settings: HTTPSettings(listen: "127.0.0.1:0", token: token.map(Secret.init)), hub: hub,
            statuses: { Self.statuses }, logger: Self.logger)
        #expect(endpoint.port > 0)
        do {
            try await body(endpoint.port, hub)
        } catch {
            await endpoint.stop()
            await hub.closeAll()
            throw error
        }
        await endpoint.stop()
        await hub.closeAll()
    }

    private static func get(_ port: Int, _ target: String, method: String = "GET", headers: [String] = [])
        async throws -> (status: Int, headers: [String: String], body: [UInt8])
    {
        try await onThread {
            let client = try HTTPTestClient(port: port)
            client.send(method, target, headers: headers)
            return try client.readResponse()
        }
    }

    @Test func streamSendsJPEGParts() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 5000)])
        try await withEndpoint(cameras) { port, _ in
            let numbers = try await onThread {
                let client = try HTTPTestClient(port: port)
                client.send("GET", "/x1c/stream")
                let head = try client.readHead()
                #expect(head.status == 200)
                #expect(head.headers["content-type"] == "multipart/x-mixed-replace; boundary=\(Self.boundary)")
                var numbers: [Int] = []
                for _ in 0..<12 {
                    let part = try client.readPart(boundary: Self.boundary)
                    #expect(part.headers["content-type"] == "image/jpeg")
                    #expect(part.body.count == 5000)
                    #expect(part.body.prefix(2) == [0xFF, 0xD8])
                    #expect(part.body.suffix(2) == [0xFF, 0xD9])
                    numbers.append(FakeCameraSource.number(of: part.body) ?? -1)
                }
                return numbers
            }
            #expect(numbers.count == 12)
            #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }, "\(numbers)")
        }
    }

    @Test func twoViewersShareOneSource() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 2000)])
        try await withEndpoint(cameras) { port, hub in
            let first = try HTTPTestClient(port: port)
            let second = try HTTPTestClient(port: port)
            for client in [first, second] {
                try await onThread {
                    client.send("GET", "/x1c/stream")
                    #expect(try client.readHead().status == 200)
                    for _ in 0..<3 { _ = try client.readPart(boundary: Self.boundary) }
                }
            }
            #expect(await hub.viewerCount(of: "x1c") == 2)
            #expect(cameras.starts("x1c") == 1)
            #expect(await hub.state(of: "x1c") == .streaming)
        }
    }

    @Test func idleTimeoutClosesTheSource() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 2000)])
        try await withEndpoint(cameras, idleTimeout: .milliseconds(300)) { port, hub in
            var client: HTTPTestClient? = try HTTPTestClient(port: port)
            try await onThread { [client] in
                client?.send("GET", "/x1c/stream")
                _ = try client?.readHead()
                for _ in 0..<2 { _ = try client?.readPart(boundary: Self.boundary) }
            }
            #expect(cameras.stops("x1c") == 0)
            client = nil  // the viewer goes away
            #expect(await eventually { await hub.viewerCount(of: "x1c") == 0 })
            #expect(await eventually { cameras.stops("x1c") == 1 })
            #expect(await hub.isOpen("x1c") == false)
            #expect(await hub.state(of: "x1c") == .off)
            _ = client
        }
    }

    @Test func slowViewerDoesNotDelayAFastOne() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(10), size: 200_000)])
        try await withEndpoint(cameras) { port, hub in
            // The slow viewer asks for the stream and never reads.
            let slow = try HTTPTestClient(port: port, receiveBuffer: 4096)
            slow.send("GET", "/x1c/stream")
            #expect(await eventually { await hub.viewerCount(of: "x1c") == 1 })
            try await Task.sleep(for: .milliseconds(500))  // let its buffers fill up
            let started = ContinuousClock.now
            let numbers = try await onThread {
                let fast = try HTTPTestClient(port: port)
                fast.send("GET", "/x1c/stream")
                _ = try fast.readHead()
                return try (0..<20).map { _ in FakeCameraSource.number(of: try fast.readPart(boundary: Self.boundary).body) ?? -1 }
            }
            // A blocked fast viewer would never get its frames; the bound is for a loaded CI machine.
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 })
            // The fast viewer has gone; the slow one is still attached (frames dropped, not queued).
            #expect(await eventually { await hub.viewerCount(of: "x1c") == 1 })
            #expect(cameras.starts("x1c") == 1)
            _ = slow
        }
    }

    @Test func snapshotStartsACameraAndWaitsForAFrame() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(100), size: 3000, delay: .milliseconds(500))])
        try await withEndpoint(cameras) { port, hub in
            let started = ContinuousClock.now
            let response = try await Self.get(port, "/x1c/snapshot")
            // The hub itself gives up after 3 s (a 503), so a 200 means the frame came within 3 s of the
            // cold start; the wall-clock bound only catches a hang on a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "image/jpeg")
            #expect(response.body.count == 3000)
            #expect(response.body.prefix(2) == [0xFF, 0xD8])
            // A second snapshot right after uses the fresh frame: still one source.
            #expect(try await Self.get(port, "/x1c/snapshot").status == 200)
            #expect(cameras.starts("x1c") == 1)
            #expect(await hub.isOpen("x1c"))
        }
    }

    @Test func snapshotOfAFailingCameraIs503WithTheReason() async throws {
        let cameras = FakeCameras([
            "x1c": .failure(reason: "wrong access code", permanent: true),
            "p1s": .frames(interval: .milliseconds(100), size: 100, delay: .seconds(30)),
        ])
        try await withEndpoint(cameras, snapshotTimeout: .milliseconds(500)) { port, hub in
            let failed = try await Self.get(port, "/x1c/snapshot")
            #expect(failed.status == 503)
            #expect(String(decoding: failed.body, as: UTF8.self) == "no snapshot from x1c's camera: wrong access code\n")
            #expect(await eventually { await hub.state(of: "x1c") == .failed(reason: "wrong access code") })
            let late = try await Self.get(port, "/p1s/snapshot")
            #expect(late.status == 503)
            #expect(String(decoding: late.body, as: UTF8.self) == "no snapshot from p1s's camera: no frame from the camera within 0.5 s\n")
        }
    }

    @Test func statusListsEveryPrinterWithItsCamera() async throws {
        let cameras = FakeCameras(["x1c": .frames(interval: .milliseconds(20), size: 100)])
        try await withEndpoint(cameras) { port, hub in
            _ = try await hub.snapshot("x1c")
            let response = try await Self.get(port, "/status")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            let document = try JSONValue(parsing: response.body)
            let printers = document["printers"]?.arrayValue ?? []
            #expect(printers.count == 2)
            let x1c = printers[0]
            #expect(x1c["name"]?.stringValue == "x1c")
            #expect(x1c["model"]?.stringValue == "x1c")
            #expect(x1c["state"]?.stringValue == "connected")
            #expect(x1c["reason"] == .null)
            #expect(x1c["gcode_state"]?.stringValue == "RUNNING")
            #expect(x1c["progress"]?.intValue == 42)
            #expect(x1c["hms"]?.intValue == 2)
            #expect(x1c["temperatures"]?["nozzles"]?.arrayValue?.first?["current"]?.doubleValue == 219.5)
            #expect(x1c["temperatures"]?["nozzles"]?.arrayValue?.first?["target"]?.doubleValue == 220)
            #expect(x1c["temperatures"]?["bed"]?["target"]?.doubleValue == 55)
            #expect(x1c["temperatures"]?["chamber"]?["current"]?.doubleValue == 31)
            #expect(x1c["camera"]?["state"]?.stringValue == "streaming")
            let p1s = printers[1]
            #expect(p1s["state"]?.stringValue == "reconnecting")
            #expect(p1s["reason"]?.stringValue == "connection refused")
            #expect(p1s["camera"]?["state"]?.stringValue == "off")
            // Asking for a camera the daemon has no source for marks it unavailable.
            #expect(try await Self.get(port, "/p1s/snapshot").status == 503)
            let after = try JSONValue(parsing: try await Self.get(port, "/status").body)
            #expect(after["printers"]?.arrayValue?.last?["camera"]?["state"]?.stringValue == "unavailable")
            #expect(after["printers"]?.arrayValue?.last?["camera"]?["reason"]?.stringValue == "no camera source for p1s in this daemon")
        }
    }

    @Test func badPathsMethodsAndPrinters() async throws {
        try await withEndpoint(FakeCameras([:])) { port, _ in
            #expect(try await Self.get(port, "/").status == 404)
            #expect(try await Self.get(port, "/nope").status == 404)
            #expect(try await Self.get(port, "/x1c/other").status == 404)
            #expect(try await Self.get(port, "/x1c/stream/more").status == 404)
            #expect(try await Self.get(port, "/ghost/stream").status == 404)
            #expect(try await Self.get(port, "/ghost/snapshot").status == 404)
            let post = try await Self.get(port, "/status", method: "POST")
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET")
            #expect(try await Self.get(port, "/x1c/snapshot", method: "DELETE").status == 405)
        }
    }

    @Test func tokenIsRequiredWhenSet() async throws {
        try await withEndpoint(FakeCameras([:]), token: "s3cret") { port, _ in
            let missing = try await Self.get(port, "/status")
            #expect(missing.status == 401)
            #expect(missing.headers["www-authenticate"] == "Bearer")
            #expect(try await Self.get(port, "/status", headers: ["Authorization: Bearer wrong"]).status == 401)
            #expect(try await Self.get(port, "/status?token=wrong").status == 401)
            #expect(try await Self.get(port, "/x1c/stream").status == 401)
            #expect(try await Self.get(port, "/status", headers: ["Authorization: Bearer s3cret"]).status == 200)
            #expect(try await Self.get(port, "/status?token=s3cret").status == 200)
            #expect(try await Self.get(port, "/nope?token=s3cret").status == 404)
        }
    }

    @Test func keepAliveServesSeveralRequests() async throws {
        try await withEndpoint(FakeCameras([:])) { port, _ in
            let statuses = try await onThread {
                let client = try HTTPTestClient(port: port)
                client.send("GET", "/status", close: false)
                let first = try client.readResponse().status
                client.send("GET", "/nope", close: false)
                return [first, try client.readResponse().status]
            }
            #expect(statuses == [200, 404])
        }
    }
}
