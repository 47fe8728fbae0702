// SPDX-License-Identifier: AGPL-3.0-or-later
// M486 end to end: a job started from the host, its objects read from the 3MF over FTPS, one skipped.

import BridgeCore
import BridgeTestSupport
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct ObjectsIntegrationTests {
    /// Sends `M486` and returns its `// ` lines (notices left out).
    private func listing(_ client: SerialClient) async throws -> [String] {
        try client.write("M486\n")
        let lines = await client.readLines(timeout: .seconds(5)) { $0.last == "ok" }
        return lines.filter { $0.hasPrefix("// ") }
    }

    @Test func listAndSkipObjectsOfARunningJob() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let (daemon, _) = try await harness.startDaemon()
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        #expect(try await client.command("M21") == ["SD card ok", "ok"])
        _ = await client.readLines(timeout: .seconds(30)) { $0.contains("//action:sd_updated") }
        #expect(try await listing(client) == ["// no print job is running"])

        let benchy = SDCatalog.alias(for: "/Benchy.gcode.3mf")
        _ = try await client.command("M23 /\(benchy)")
        #expect(try await client.command("M24") == ["ok"])
        let listed = [
            "// objects of Benchy.gcode.3mf: 2, 0 skipped", "// object 101: 3DBenchy", "// object 202: Brim ear",
        ]
        var seen: [String] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline {
            seen = try await listing(client)
            if seen == listed { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(seen == listed)

        #expect(try await client.command("M486 P202") == ["ok"])
        #expect(
            await Wait.until(timeout: .seconds(5)) {
                harness.requests(for: "x1c").contains { $0.contains(#""command":"skip_objects","obj_list":[202]"#) }
            })
        let skipped = [
            "// objects of Benchy.gcode.3mf: 2, 1 skipped", "// object 101: 3DBenchy", "// object 202: Brim ear (skipped)",
        ]
        let shown = deadline + .seconds(10)
        while clock.now < shown {
            seen = try await listing(client)
            if seen == skipped { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(seen == skipped)
        #expect(
            try await client.command("M486 P202") == ["echo:M486 P202: object 202 is already skipped", "ok"])
        #expect(
            try await client.command("M486 P9") == ["echo:M486 P9: the job has no object 9 (its objects: 101, 202)", "ok"])

        _ = try await client.command("M26 S0")
        client.close()
        await daemon.terminate()
        await harness.stop()
    }
}
