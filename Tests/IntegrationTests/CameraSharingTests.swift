// SPDX-License-Identifier: AGPL-3.0-or-later
// Many viewers of the daemon's camera endpoint share one connection at the simulated printer's camera.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct CameraSharingTests {
    /// Two concurrent `GET /<printer>/stream` viewers each get whole JPEG parts, and the printer's
    /// camera (counted by the simulator) served exactly one session: for the X1C one RTSP session,
    /// for the P1S one logged-in TLS connection at the JPEG listener. (Sessions, not TCP connections:
    /// a parallel test's daemon may knock on a port it thinks closed that a simulator now uses.)
    @Test(arguments: ["x1c", "p1s"])
    func twoViewersShareOneConnectionAtTheCamera(_ printer: String) async throws {
        let harness = try await SimulatorHarness(models: "x1c,p1s", arguments: ["--camera-fps", "10"])
        defer { Task { await harness.stop() } }
        let port = try HTTPStatusTests.freePort()
        let config = try harness.writeConfig(HTTPStatusTests.listening(on: port, harness.configText))
        let (daemon, _) = try await harness.startDaemon(config: config)
        defer { Task { await daemon.terminate() } }
        #expect(
            await daemon.waitForLine(errors: true) { $0.contains("http endpoint listening") && $0.contains("127.0.0.1:\(port)") }
                != nil)
        #expect(try await Self.sessionCounts(harness)[printer] == 0, "no viewer yet, no session")

        async let first = OwnThread.run { try HTTPStatusTests.streamFrames(port: port, "/\(printer)/stream", count: 3) }
        async let second = OwnThread.run { try HTTPStatusTests.streamFrames(port: port, "/\(printer)/stream", count: 3) }
        let viewers = try await [first, second]
        for (index, frames) in viewers.enumerated() {
            #expect(frames.count >= 3, "viewer \(index + 1): \(frames.count) parts")
            #expect(frames.allSatisfy { HTTPStatusTests.jpegSize($0).map { "\($0.width)x\($0.height)" } == "1280x720" })
        }
        let counts = try await Self.sessionCounts(harness)
        #expect(
            counts[printer] == 1,
            "sessions at the simulated cameras: \(counts); daemon: \(daemon.errorOutput.filter { $0.contains("camera") })")
        let other = printer == "x1c" ? "p1s" : "x1c"
        #expect(counts[other] == 0, "nobody asked for \(other)'s camera: \(counts)")
    }

    /// Asks the simulator (`camera clients`) how many sessions each camera served so far.
    static func sessionCounts(_ harness: SimulatorHarness) async throws -> [String: Int] {
        let seen = harness.simulator.output.count
        harness.simulator.send("camera clients")
        let answered = await Wait.until(timeout: .seconds(10)) {
            harness.simulator.output.dropFirst(seen).contains { $0.hasPrefix("ok camera clients") }
        }
        guard answered, let line = harness.simulator.output.dropFirst(seen).first(where: { $0.hasPrefix("ok camera clients") })
        else { throw HarnessError("the simulator did not answer `camera clients`") }
        var counts: [String: Int] = [:]
        for word in line.split(separator: " ").dropFirst(3) {
            let parts = word.split(separator: "=")
            if parts.count == 2, let count = Int(parts[1]) { counts[String(parts[0])] = count }
        }
        return counts
    }
}

/// Runs blocking test I/O (socket reads) on a thread of its own, off Swift's cooperative pool.
enum OwnThread {
    static func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Swift.Result { try work() }) }
            thread.start()
        }
    }
}
