// SPDX-License-Identifier: AGPL-3.0-or-later
// M8100 help, M8101 overall status and M8104 options status, exact lines for real fixtures.

import BambuModel
import BridgeCore
import GCode
import Testing

@Suite struct StatusQueryTests {
    @Test func overallStatusX1C() throws {
        var session = try SessionHarness.fed("x1c_multi_ams_pushall.json", model: .x1c)
        #expect(
            session.line("M8101") == """
                // printer: test (Bambu Lab X1 Carbon), link: connected
                // state: FINISH, stage: idle
                // job: Garden Hose Healer: Male fitting, progress 100%, layer 480/480, remaining 0 min
                // speed: level 2 standard (100%)
                // fans: part 0%, auxiliary 0%, chamber 0%
                // lights: chamber_light on, work_light flashing
                // wifi: -66dBm
                // firmware: 01.09.00.01, upgrade state: UPGRADE_SUCCESS (100%)
                // modules: ams/0 00.01.06.62, ams/1 00.01.06.62, n3f/2 02.00.19.68, n3s/128 02.00.19.67, ahb 00.00.00.43, mc 00.00.32.89, mc-sub 00.00.32.89, th 00.00.07.12, ap 00.00.50.76
                // nozzle: 0.4 mm HX01
                ok

                """)
    }

    @Test func overallStatusA1() throws {
        var session = try SessionHarness.fed("a1_ams_lite_pushall.json", model: .a1)
        #expect(
            session.line("M8101") == """
                // printer: test (Bambu Lab A1), link: connected
                // state: IDLE, stage: idle
                // job: none, progress 0%, layer 0/0, remaining 0 min
                // speed: level 2 standard (100%)
                // fans: part 0%
                // lights: chamber_light off
                // wifi: -48dBm
                // firmware: 01.05.00.00
                // modules: esp32 01.13.33.99, mc 00.01.29.83, th 00.00.07.69, ams_f1/0 00.00.07.94
                // nozzle: 0.4 mm stainless_steel
                ok

                """)
    }

    @Test func overallStatusH2D() throws {
        var session = try SessionHarness.fed("h2d_pushall_and_partials.json", model: .h2d)
        #expect(
            session.line("M8101") == """
                // printer: test (Bambu Lab H2D), link: connected
                // state: RUNNING, stage: cleaning nozzle tip (14)
                // job: Number 10 House Numbers_plate_1, progress 0%, layer 0/26, remaining 1 h 55 min
                // speed: level 2 standard (100%)
                // fans: part 0%, auxiliary 0%, chamber 0%
                // lights: chamber_light on, chamber_light2 on, work_light flashing
                // wifi: -55dBm
                // firmware: 01.01.02.07
                // modules: ams/0 00.01.06.62, n3s/128 02.00.19.67, ahb 02.00.09.67, pc 00.00.10.27, mc 02.05.57.52, mc-sub 02.05.57.52, th 02.01.17.55, ext 00.00.08.18, smc 02.01.12.00, ap 00.00.51.98
                // nozzles: 0 (right) 0.2 mm HS00, 1 (left) 0.6 mm HX05
                ok

                """)
    }

    @Test func overallStatusX1() throws {
        var session = try SessionHarness.fed("x1_amsht_only_with_hms.json", model: .x1)
        #expect(
            session.line("M8101") == """
                // printer: test (Bambu Lab X1), link: connected
                // state: RUNNING, stage: printing (0)
                // job: CyberBrick Gridfinity Organizer Box, progress 22%, layer 2/37, remaining 2 h 43 min
                // speed: level 2 standard (100%)
                // fans: part 100%, auxiliary 70%, chamber 18%
                // lights: chamber_light on, work_light flashing
                // wifi: -46dBm
                // firmware: 99.00.00.00
                // modules: n3s/128 00.00.06.44, mc 00.00.27.26, sm 00.00.27.26, th 00.00.07.12, ap 00.00.32.39
                // nozzle: 0.4 mm hardened_steel
                ok

                """)
    }

    @Test func overallStatusOfflineAndEmpty() {
        var session = SessionHarness(model: .p1s, online: false)
        session.handle(.linkDown(reason: "connection refused", permanent: false))
        session.line("M114")
        #expect(
            session.line("M8101") == """
                // printer: test (Bambu Lab P1S), link: reconnecting (connection refused)
                // state: unknown, stage: unknown
                // job: none, progress unknown, layer ?/?, remaining unknown
                // speed: unknown
                // fans: part unknown, auxiliary unknown, chamber unknown
                // lights: unknown
                // wifi: unknown
                // firmware: unknown
                // modules: unknown
                // nozzle: unknown
                ok

                """)
    }

    @Test func elapsedTimeOfARunningJobComesFromTheWallClock() {
        var session = SessionHarness(model: .x1c, wallClockAtStart: 1_700_003_600)
        session.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","gcode_start_time":"1700000000","mc_remaining_time":61}}"#)
        session.advance(.seconds(125))
        #expect(session.line("M8101").contains("remaining 1 h 1 min, elapsed 1 h 2 min, started 2023-11-14 22:13:20 UTC\n"))
        session.report(#"{"print":{"command":"push_status","gcode_state":"FINISH"}}"#)
        #expect(session.line("M8101").contains("remaining 1 h 1 min, started 2023-11-14 22:13:20 UTC\n"), "no elapsed time once the job ended")
    }

    @Test func jobStartIsShownInUTC() {
        var session = SessionHarness(model: .x1c)
        session.report(#"{"print":{"command":"push_status","gcode_start_time":"1700000000","mc_remaining_time":61}}"#)
        #expect(session.line("M8101").contains("remaining 1 h 1 min, started 2023-11-14 22:13:20 UTC\n"))
    }

    @Test func optionsX1C() throws {
        var session = try SessionHarness.fed("x1c_multi_ams_pushall.json", model: .x1c)
        #expect(
            session.line("M8104") == """
                // R auto recovery from step loss: on
                // S prompt sound: not available
                // T filament tangle detection: not available
                // W AMS auto switch filament: on
                // B nozzle blob detection: not available
                // P air-printing detection: not available
                // A air purification: not available
                // Dmarker build plate marker detector: off
                // Dfirstlayer first layer inspector: on
                // Dai AI monitoring (spaghetti): on, sensitivity low
                // Dpileup purge chute pile-up detector: not available
                // Dclump nozzle clumping detector: not available
                // Dairprint air-printing detector: not available
                // Dalignment build plate alignment detector: not available
                ok

                """)
    }

    @Test func optionsA1() throws {
        var session = try SessionHarness.fed("a1_ams_lite_pushall.json", model: .a1)
        #expect(
            session.line("M8104") == """
                // R auto recovery from step loss: on
                // S prompt sound: off
                // T filament tangle detection: on
                // W AMS auto switch filament: on
                // B nozzle blob detection: on
                // P air-printing detection: on
                // A air purification: not available
                // Dmarker build plate marker detector: on
                // Dfirstlayer first layer inspector: not available
                // Dai AI monitoring (spaghetti): not available
                // Dpileup purge chute pile-up detector: not available
                // Dclump nozzle clumping detector: not available
                // Dairprint air-printing detector: not available
                // Dalignment build plate alignment detector: not available
                ok

                """)
    }

    @Test func optionsH2D() throws {
        // xcam.cfg 374487 = 0x5B6D7: pile-up, clumping and air-printing on at sensitivity 2 (high),
        // alignment (bit 20) off; the AI monitor comes from its own field.
        var session = try SessionHarness.fed("h2d_pushall_and_partials.json", model: .h2d)
        #expect(
            session.line("M8104") == """
                // R auto recovery from step loss: on
                // S prompt sound: on
                // T filament tangle detection: not available
                // W AMS auto switch filament: on
                // B nozzle blob detection: not available
                // P air-printing detection: not available
                // A air purification: not reported by the printer
                // Dmarker build plate marker detector: on
                // Dfirstlayer first layer inspector: not available
                // Dai AI monitoring (spaghetti): on, sensitivity medium
                // Dpileup purge chute pile-up detector: on, sensitivity high
                // Dclump nozzle clumping detector: on, sensitivity high
                // Dairprint air-printing detector: on, sensitivity high
                // Dalignment build plate alignment detector: off
                ok

                """)
    }

    @Test func optionsX1() throws {
        var session = try SessionHarness.fed("x1_amsht_only_with_hms.json", model: .x1)
        #expect(
            session.line("M8104") == """
                // R auto recovery from step loss: on
                // S prompt sound: not available
                // T filament tangle detection: not available
                // W AMS auto switch filament: on
                // B nozzle blob detection: not available
                // P air-printing detection: not available
                // A air purification: not available
                // Dmarker build plate marker detector: off
                // Dfirstlayer first layer inspector: on
                // Dai AI monitoring (spaghetti): on, sensitivity medium
                // Dpileup purge chute pile-up detector: not available
                // Dclump nozzle clumping detector: not available
                // Dairprint air-printing detector: not available
                // Dalignment build plate alignment detector: not available
                ok

                """)
    }

    @Test func helpListsEveryCustomCodeOfTheTable() {
        var session = SessionHarness()
        let expected = CommandTable.standard.specs.filter { HelpList.includes($0.code) }
            .map { "// \($0.code) \($0.summary)\n" }.joined()
        let reply = session.line("M8100")
        #expect(reply == expected + "ok\n")
        for code in [8100, 8101, 8104, 8130, 8131, 8140, 8141, 8150, 8151, 8152, 8153] {
            #expect(reply.contains("// M\(code) "))
        }
        #expect(!reply.contains("// M104 "))
    }

    @Test func helpFollowsTheSessionTable() {
        let extra = CommandSpec(.m(8199), "A code added later", translation: "none") { _, _ in }
        var families = CommandTable.standardFamilies
        families.append([extra])
        var session = SessionHarness()
        session.session = PrinterSession(
            configuration: SessionConfiguration(printerName: "test", serial: "00M00A000000000", model: .x1c),
            table: CommandTable(families.flatMap { $0 }))
        #expect(session.line("M8100").contains("// M8199 A code added later\nok\n"))
    }
}
