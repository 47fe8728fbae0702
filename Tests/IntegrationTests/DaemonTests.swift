// SPDX-License-Identifier: AGPL-3.0-or-later
// The daemon against simulated printers over a real mosquitto broker with TLS, through real ptys.

import BridgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(3))) struct DaemonTests {
    @Test func commandsPublishExactRequestsAndReportsUpdateTemperatures() async throws {
        let harness = try await SimulatorHarness(models: "x1c,h2d")
        let (daemon, notify) = try await harness.startDaemon()
        defer { Task { await daemon.terminate() } }
        let client = try SerialClient(path: harness.port("x1c"))
        // Wait until the printer's first report arrived (M105 no longer all zeros).
        var reply: [String] = []
        for _ in 0..<100 {
            reply = try await client.command("M105")
            if let line = reply.last, !line.contains("T:0.0 /0.0") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reply.last?.hasPrefix("ok T:") == true)

        #expect(try await client.command("M104 S215") == ["ok"])
        #expect(
            await harness.waitForRequest(
                "x1c", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M104 S215\n"}}"#))
        #expect(try await client.command("M106 P1 S128") == ["ok"])
        #expect(
            await harness.waitForRequest(
                "x1c", #"{"print":{"sequence_id":"4","command":"gcode_line","param":"M106 P2 S128\n"}}"#))
        #expect(try await client.command("M220 S150") == ["ok"])
        #expect(
            await harness.waitForRequest("x1c", #"{"print":{"sequence_id":"5","command":"print_speed","param":"4"}}"#))
        #expect(try await client.command("M355 S1") == ["ok"])
        #expect(
            await harness.waitForRequest(
                "x1c",
                #"{"system":{"sequence_id":"6","command":"ledctrl","led_node":"chamber_light","led_mode":"on","led_on_time":500,"led_off_time":500,"loop_times":0,"interval_time":0}}"#
            ))

        // The simulated heater moves: a later M105 shows the new temperature from a new report.
        var heated = false
        for _ in 0..<150 where !heated {
            let line = try await client.command("M105").last ?? ""
            if let value = Double(line.split(separator: " ").first { $0.hasPrefix("T:") }?.dropFirst(2) ?? ""),
                value > 100
            {
                heated = true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(heated)

        // Two nozzles: T0 and T1 on the H2D.
        let h2d = try SerialClient(path: harness.port("h2d"))
        var h2dReply = ""
        for _ in 0..<100 {
            h2dReply = try await h2d.command("M105").last ?? ""
            if h2dReply.contains(" T0:"), !h2dReply.contains("B:0.0 /0.0") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(h2dReply.hasPrefix("ok T:"))
        #expect(h2dReply.contains(" T0:") && h2dReply.contains(" T1:"))

        #expect(notify.received.contains { $0.contains("READY=1") })
        #expect(await Wait.until(timeout: .seconds(10)) { notify.received.contains { $0.contains("2 printers, 2 connected") } })

        client.close()
        h2d.close()
        #expect(await daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: harness.port("x1c")))
        #expect(!FileManager.default.fileExists(atPath: harness.port("h2d")))
        await harness.stop()
    }
}
