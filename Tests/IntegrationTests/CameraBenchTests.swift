// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial camera-bench` against the simulator: its line carries the source's frame counts.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct CameraBenchTests {
    /// The RTSPS bench at 2 fps from the 15 fps simulated camera: decoded frames outnumber admitted
    /// ones (the simulator's frame rate sags on a loaded machine, hence no exact ratio), and every
    /// admitted frame was delivered (the bench's own count plus its warm-up frame).
    @Test func cameraBenchPrintsDecodedAdmittedAndDelivered() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        defer { Task { await harness.stop() } }
        let bench = try ChildProcess(["camera-bench", "--config", harness.configPath, "x1c", "--seconds", "2", "--max-fps", "2"])
        let line = await bench.waitForLine(timeout: .seconds(40)) { $0.hasPrefix("kind=rtsps ") }
        #expect(await Wait.until(timeout: .seconds(10)) { !bench.isRunning }, "the bench exits by itself")
        #expect(await bench.terminate() == 0)
        let fields = Dictionary(
            (line ?? "").split(separator: " ").compactMap { word -> (String, String)? in
                let parts = word.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
        let frames = fields["frames"].flatMap { Int($0) } ?? -1
        let decoded = fields["decoded"].flatMap { Int($0) } ?? -1
        let admitted = fields["admitted"].flatMap { Int($0) } ?? -1
        let delivered = fields["delivered"].flatMap { Int($0) } ?? -1
        #expect(frames >= 3, "\(line ?? "no line: \(bench.errorOutput)")")
        #expect(delivered >= frames + 1 && admitted == delivered, "\(line ?? "")")
        #expect(decoded > admitted, "\(line ?? "")")
    }
}
