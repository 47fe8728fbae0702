// SPDX-License-Identifier: AGPL-3.0-or-later
// Every publishing option/nozzle/housekeeping code through the daemon's pty to the simulator and back.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct OptionCodesTests {
    /// Sends a line and returns every reply line up to the `ok`, `//` status lines included.
    private func query(_ client: SerialClient, _ line: String) async throws -> [String] {
        try client.write(line + "\n")
        return await client.readReply()
    }

    /// Repeats `line` until its answer contains every one of `expected`; true when it did within 20 s.
    private func eventually(_ client: SerialClient, _ line: String, shows expected: [String]) async throws -> Bool {
        for _ in 0..<100 {
            let reply = try await query(client, line)
            if expected.allSatisfy(reply.contains) { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test func publishingCodesReachTheSimulatorAndAreConfirmed() async throws {
        let harness = try await SimulatorHarness(models: "x1c,h2d")
        let (daemon, _) = try await harness.startDaemon()
        defer { Task { await daemon.terminate() } }
        let x1c = try SerialClient(path: harness.port("x1c"))
        let h2d = try SerialClient(path: harness.port("h2d"))
        try await x1c.waitForFirstReport()
        try await h2d.waitForFirstReport()

        let x1cSteps: [(line: String, requests: [String])] = [
            ("M8130 R0 W0", [
                #"{"print":{"sequence_id":"3","command":"print_option","option":0,"auto_recovery":false}}"#,
                #"{"print":{"sequence_id":"4","command":"print_option","auto_switch_filament":false}}"#,
            ]),
            ("M8131 Dai S1 Hhigh", [
                #"{"xcam":{"sequence_id":"5","command":"xcam_control_set","module_name":"printing_monitor","control":true,"enable":true,"print_halt":true,"halt_print_sensitivity":"high"}}"#
            ]),
            ("M8131 Dpileup S1 Hlow", [
                #"{"xcam":{"sequence_id":"6","command":"xcam_control_set","module_name":"pileup_detector","control":true,"enable":true,"print_halt":true,"halt_print_sensitivity":"low"}}"#
            ]),
            ("M8141 T2 I667", [
                #"{"print":{"sequence_id":"7","command":"extrusion_cali_sel","tray_id":2,"cali_idx":667,"filament_id":"GFG02","nozzle_diameter":"0.4"}}"#
            ]),
            ("M8140 D0.6 Sstainless_steel", [
                #"{"system":{"sequence_id":"8","command":"set_accessories","accessory_type":"nozzle","nozzle_diameter":0.6,"nozzle_type":"stainless_steel"}}"#
            ]),
            ("M8153 S3", [#"{"print":{"sequence_id":"9","command":"print_speed","param":"3"}}"#]),
            ("M355 W1", [
                #"{"system":{"sequence_id":"10","command":"ledctrl","led_node":"work_light","led_mode":"on","led_on_time":500,"led_off_time":500,"loop_times":0,"interval_time":0}}"#
            ]),
            (#"M8152 {"pushing":{"command":"start"}}"#, [#"{"pushing":{"sequence_id":"11","command":"start"}}"#]),
            ("M8150", [
                #"{"pushing":{"sequence_id":"12","command":"pushall","version":1,"push_target":1}}"#,
                #"{"info":{"sequence_id":"13","command":"get_version"}}"#,
            ]),
        ]
        for step in x1cSteps {
            #expect(try await x1c.command(step.line) == ["ok"], "\(step.line)")
            for request in step.requests {
                #expect(await harness.waitForRequest("x1c", request), "\(step.line): \(request)")
            }
        }
        #expect(
            try await eventually(
                x1c, "M8104",
                shows: [
                    "// R auto recovery from step loss: off", "// W AMS auto switch filament: off",
                    "// Dai AI monitoring (spaghetti): on, sensitivity high",
                    "// Dpileup purge chute pile-up detector: on, sensitivity low",
                ]))
        #expect(
            try await eventually(
                x1c, "M8101",
                shows: [
                    "// speed: level 3 sport (124%)", "// lights: chamber_light off, work_light on",
                    "// nozzle: 0.6 mm stainless_steel",
                ]))

        // Calibration: the stages show in M8101, then the printer is idle again.
        #expect(try await x1c.command("M8151 B V") == ["ok"])
        #expect(
            await harness.waitForRequest("x1c", #"{"print":{"sequence_id":"14","command":"calibration","option":6}}"#))
        #expect(try await eventually(x1c, "M8101", shows: ["// state: IDLE, stage: auto bed leveling (1)"]))
        #expect(try await eventually(x1c, "M8101", shows: ["// state: IDLE, stage: idle"]))

        let h2dSteps: [(line: String, requests: [String])] = [
            ("M8130 S0 A1", [
                #"{"print":{"sequence_id":"3","command":"print_option","sound_enable":false}}"#,
                #"{"print":{"sequence_id":"4","command":"print_option","air_purification":1}}"#,
            ]),
            ("M8140 T1 D0.8 SHH01", [
                #"{"print":{"command":"set_nozzle","id":1,"type":"HH01","diameter":0.8,"wear":0,"sequence_id":"5"}}"#
            ]),
        ]
        for step in h2dSteps {
            #expect(try await h2d.command(step.line) == ["ok"], "\(step.line)")
            for request in step.requests {
                #expect(await harness.waitForRequest("h2d", request), "\(step.line): \(request)")
            }
        }
        #expect(try await eventually(h2d, "M8104", shows: ["// S prompt sound: off"]))
        #expect(try await eventually(h2d, "M8101", shows: ["// nozzles: 0 (right) 0.4 mm HS01, 1 (left) 0.8 mm HH01"]))
        // A refusal reaches the host and publishes nothing.
        #expect(try await h2d.command("M8151 L") == ["echo:M8151 L: the Bambu Lab H2D has no Micro LiDAR", "ok"])

        x1c.close()
        h2d.close()
        #expect(await daemon.terminate() == 0)
        await harness.stop()
    }
}
