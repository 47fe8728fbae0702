// SPDX-License-Identifier: AGPL-3.0-or-later
// The file codes M8170–M8174 through a real pty against the simulator's FTPS storage.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct FileCommandIntegrationTests {
    @Test func foldersRenamesAndDownloadsOnTheSimulatedStorage() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let (daemon, _) = try await harness.startDaemon()
        defer { Task { await daemon.terminate(); await harness.stop() } }
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        let storage = harness.directory + "/storage/x1c"

        #expect(try await client.query("M8171 /models", timeout: .seconds(20)) == ["// created /models/", "ok"])
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: storage + "/models", isDirectory: &isDirectory) && isDirectory.boolValue)

        let cube = try FileManager.default.attributesOfItem(atPath: storage + "/Calibration Cube.gcode.3mf")[.size] as? Int
        #expect(
            try await client.query("M8172 /Calibration Cube.gcode.3mf -> /models/Cube.gcode.3mf", timeout: .seconds(20))
                == ["// renamed /Calibration Cube.gcode.3mf to /models/Cube.gcode.3mf", "ok"])
        #expect(try await client.query("M8170 /models", timeout: .seconds(20)) == ["// Cube.gcode.3mf \(cube ?? -1)", "ok"])
        let root = try await client.query("M8170", timeout: .seconds(20))
        #expect(root.contains("// cache/") && root.contains("// models/") && root.last == "ok", "\(root)")

        let download = try await client.query("M8174 /models/Cube.gcode.3mf", timeout: .seconds(20))
        let local = harness.directory + "/state/downloads/x1c/Cube.gcode.3mf"
        #expect(download == ["// downloaded /models/Cube.gcode.3mf to \(local)", "ok"])
        #expect(
            FileManager.default.contents(atPath: local)
                == FileManager.default.contents(atPath: storage + "/models/Cube.gcode.3mf"))

        #expect(try await client.query("M8173 /models", timeout: .seconds(20)) == ["// deleted /models/", "ok"])
        #expect(!FileManager.default.fileExists(atPath: storage + "/models"))
        let missing = try await client.query("M8170 /models", timeout: .seconds(20))
        #expect(missing.first == "echo:M8170: cannot list /models" && missing.dropFirst().first == "ok", "\(missing)")
        client.close()
    }
}
