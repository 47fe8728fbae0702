// SPDX-License-Identifier: AGPL-3.0-or-later
// The filament and AMS codes through the daemon's pty to a simulated X1C with an AMS and an AMS HT.

import BridgeTestSupport
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct AMSIntegrationTests {
    /// The `M8102` lines (without the `// ` prefix), read raw because `command` drops `//` lines.
    private func status(_ client: SerialClient) async throws -> [String] {
        try client.write("M8102\n")
        let lines = await client.readLines(timeout: .seconds(5)) { $0.last == "ok" }
        return lines.filter { $0.hasPrefix("// ") }.map { String($0.dropFirst(3)) }
    }

    /// Polls `M8102` until one of its lines is `line`; returns the last answer.
    private func waitForStatus(_ client: SerialClient, _ line: String, timeout: Duration = .seconds(15)) async throws
        -> [String]
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var lines: [String] = []
        while clock.now < deadline {
            lines = try await status(client)
            if lines.contains(line) { return lines }
            try await Task.sleep(for: .milliseconds(200))
        }
        return lines
    }

    @Test func everyPublishingCodeReachesTheSimulatorAndShowsInM8102() async throws {
        let harness = try await SimulatorHarness(models: "x1c")
        let (daemon, _) = try await harness.startDaemon()
        defer { Task { await daemon.terminate() } }
        let client = try SerialClient(path: harness.port("x1c"))
        try await client.waitForFirstReport()
        var sequence = 2
        /// Sends `line`, expects a bare `ok`, and waits for the simulator to log the request with `members`.
        func send(_ line: String, _ members: String) async throws -> Bool {
            sequence += 1
            #expect(try await client.command(line) == ["ok"], "\(line)")
            let payload = #"{"print":{"sequence_id":"\#(sequence)","# + members + "}}"
            let logged = await harness.waitForRequest("x1c", payload)
            if !logged { Issue.record("\(line): the simulator did not log \(payload); it logged \(harness.requests(for: "x1c"))") }
            return logged
        }

        let initial = try await waitForStatus(client, "loaded: none")
        #expect(initial.contains("A0 AMS: humidity 5 (17%), 26.2C"))
        #expect(initial.contains("A0 S1: PLA FFFFFFFF GFA00 190-230C remain 45%"))
        #expect(initial.contains("A128 AMS HT: humidity 5 (17%), 26.2C, dryer off"))
        #expect(initial.contains("A128 S0: PETG-CF 2E2E2EFF GFG98 240-270C remain 90%"))

        // M701, held by M8120 pause, released by resume.
        #expect(
            try await send(
                "M701 A0 S1", #""command":"ams_change_filament","ams_id":0,"slot_id":1,"target":1,"curr_temp":220,"tar_temp":230"#))
        #expect(try await send("M8120 Spause", #""command":"ams_control","param":"pause""#))
        let paused = try await waitForStatus(
            client, "AMS state: filament change sub 1, read on insertion on, read at power-on off, estimate remaining on")
        #expect(paused.contains("loaded: none"))
        #expect(try await send("M8120 Sresume", #""command":"ams_control","param":"resume""#))
        #expect(try await waitForStatus(client, "loaded: A0 S1").contains("loaded: A0 S1"))

        // M8121: the AMS HT dries its PETG-CF.
        #expect(
            try await send(
                "M8121 A128 S60 D2",
                #""command":"ams_filament_drying","ams_id":128,"mode":1,"filament":"PETG-CF","temp":60,"duration":2,"humidity":0,"cooling_temp":45,"rotate_tray":false,"close_power_conflict":false"#
            ))
        let drying = "A128 AMS HT: humidity 5 (17%), 55.0C, dryer drying, 120 min left"
        #expect(try await waitForStatus(client, drying).contains(drying))

        // M8122: the tag read shows as the AMS state while it lasts.
        #expect(try await send("M8122 A0 S2", #""command":"ams_get_rfid","ams_id":0,"slot_id":2"#))
        let reading = "AMS state: RFID identifying, read on insertion on, read at power-on off, estimate remaining on"
        #expect(try await waitForStatus(client, reading).contains(reading))

        // M8123: slot 3 becomes green generic PETG.
        #expect(
            try await send(
                "M8123 A0 S3 MPETG C00ff00",
                #""command":"ams_filament_setting","ams_id":0,"slot_id":3,"tray_id":3,"tray_info_idx":"GFG99","setting_id":"","tray_color":"00FF00FF","nozzle_temp_min":220,"nozzle_temp_max":270,"tray_type":"PETG""#
            ))
        let edited = "A0 S3: PETG 00FF00FF GFG99 220-270C remain 62%"
        #expect(try await waitForStatus(client, edited).contains(edited))

        // M8124: insertion reads and the remaining estimate off.
        #expect(
            try await send(
                "M8124 I0 R0", #""command":"ams_user_setting","ams_id":0,"tray_read_option":false,"calibrate_remain_flag":false"#))
        let flags = "AMS state: idle, read on insertion off, read at power-on off, estimate remaining off"
        #expect(try await waitForStatus(client, flags).contains(flags))

        // M702 unloads the white PLA.
        #expect(
            try await send(
                "M702", #""command":"ams_change_filament","ams_id":0,"target":255,"slot_id":255,"curr_temp":230,"tar_temp":230"#))
        #expect(try await waitForStatus(client, "loaded: none").contains("loaded: none"))

        // M8121 S0 stops the dryer.
        #expect(
            try await send(
                "M8121 A128 S0",
                #""command":"ams_filament_drying","ams_id":128,"mode":0,"filament":"","temp":0,"duration":0,"humidity":0,"cooling_temp":0,"rotate_tray":false,"close_power_conflict":false"#
            ))
        let stopped = "A128 AMS HT: humidity 5 (17%), 26.2C, dryer off"
        #expect(try await waitForStatus(client, stopped).contains(stopped))

        // M600 is answered, never published.
        #expect(
            try await client.command("M600")
                == ["echo:M600: filament change is not supported on Bambu printers; use M701/M702 or the AMS", "ok"])

        client.close()
        #expect(await daemon.terminate() == 0)
        await harness.stop()
    }
}
