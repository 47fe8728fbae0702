// SPDX-License-Identifier: AGPL-3.0-or-later
// Options, detectors, nozzle, housekeeping and light codes: exact payloads, refusals and parameter errors.

import BambuModel
import BridgeCore
import Testing

/// A report with one AMS unit (tray 0: PLA GFA00, cali_idx -1) and the given `home_flag`.
private func amsReport(homeFlag: Int = 0x0018_0410) -> String {
    #"{"print":{"command":"push_status","home_flag":\#(homeFlag),"nozzle_diameter":"0.4","nozzle_type":"hardened_steel","#
        + #""ams":{"ams":[{"id":"0","tray":[{"id":"0","tray_type":"PLA","tray_info_idx":"GFA00","cali_idx":-1}]}]},"#
        + #""vt_tray":{"id":"254","tray_type":"PETG","tray_info_idx":"GFG99","cali_idx":-1}}}"#
}

private func harness(_ model: PrinterModel, report: String? = amsReport()) -> SessionHarness {
    var harness = SessionHarness(model: model)
    if let report { harness.report(report) }
    return harness
}

@Suite struct PrintOptionCommandTests {
    @Test func everyOptionIsOneRequestInFixedOrder() {
        // Bits 19 (tangle supported), 25 (blob supported), 29 (air-print supported) set.
        var session = harness(.a1, report: amsReport(homeFlag: 0x2208_0000))
        let result = session.run("M8130 P1 B1 W1 T1 S0 R1")
        #expect(result.reply == "ok\n")
        #expect(
            result.published == [
                #"{"print":{"sequence_id":"3","command":"print_option","option":1,"auto_recovery":true}}"#,
                #"{"print":{"sequence_id":"4","command":"print_option","sound_enable":false}}"#,
                #"{"print":{"sequence_id":"5","command":"print_option","filament_tangle_detect":true}}"#,
                #"{"print":{"sequence_id":"6","command":"print_option","auto_switch_filament":true}}"#,
                #"{"print":{"sequence_id":"7","command":"print_option","nozzle_blob_detect":true}}"#,
                #"{"print":{"sequence_id":"8","command":"print_option","air_print_detect":true}}"#,
            ])
    }

    @Test func autoRecoveryOffSendsOptionZero() {
        var session = harness(.x1c)
        #expect(
            session.run("M8130 R0").published == [
                #"{"print":{"sequence_id":"3","command":"print_option","option":0,"auto_recovery":false}}"#
            ])
    }

    @Test func airPurificationOnH2D() {
        var session = harness(.h2d)
        #expect(
            session.run("M8130 A2").published == [
                #"{"print":{"sequence_id":"3","command":"print_option","air_purification":2}}"#
            ])
    }

    @Test(arguments: [
        (PrinterModel.x1c, "M8130 S1", "M8130 S: the Bambu Lab X1 Carbon has no switchable prompt sound"),
        (.p1s, "M8130 A1", "M8130 A: the Bambu Lab P1S has no air purifier"),
        (.x1c, "M8130 T1", "M8130 T: the Bambu Lab X1 Carbon does not support filament tangle detection"),
        (.x1c, "M8130 B1", "M8130 B: the Bambu Lab X1 Carbon does not support nozzle blob detection"),
        (.x1c, "M8130 P1", "M8130 P: the Bambu Lab X1 Carbon does not support air-printing detection"),
        (.x1c, "M8130 R1 S1", "M8130 S: the Bambu Lab X1 Carbon has no switchable prompt sound"),
        (.x1c, "M8130", "M8130: give at least one of R S T W B P A (M8104 shows the current settings)"),
        (.x1c, "M8130 R2", "M8130: R2 is outside 0..1"),
        (.h2d, "M8130 A3", "M8130: A3 is outside 0..2"),
        (.x1c, "M8130 Rx", "M8130: parameter R needs a number"),
        (.x1c, "M8130 R-1", "M8130: R-1 is outside 0..1"),
    ])
    func refusals(model: PrinterModel, line: String, message: String) {
        // home_flag 0: no support bits for tangle, blob or air-print detection.
        var session = harness(model, report: amsReport(homeFlag: 0))
        let result = session.run(line)
        #expect(result.reply == "echo:\(message)\nok\n")
        #expect(result.published.isEmpty)
    }

    @Test func amsOptionsNeedAnAMS() {
        var session = harness(.p1p, report: #"{"print":{"command":"push_status","home_flag":0,"ams":{"ams":[]}}}"#)
        #expect(session.run("M8130 W1").reply == "echo:M8130 W: the Bambu Lab P1P reports no AMS; auto switch needs one\nok\n")
        #expect(session.run("M8130 T1").reply == "echo:M8130 T: the Bambu Lab P1P reports no AMS; tangle detection needs one\nok\n")
        #expect(session.published.isEmpty)
    }

    @Test func offlineIsRefused() {
        var session = SessionHarness(model: .x1c, online: false)
        #expect(session.run("M8130 R1").reply == "echo:test is not connected to the printer (pending); M8130 not sent\nok\n")
    }
}

@Suite struct DetectorCommandTests {
    @Test(arguments: [
        ("M8131 Dai S1 Hhigh",
         #"{"xcam":{"sequence_id":"3","command":"xcam_control_set","module_name":"printing_monitor","control":true,"enable":true,"print_halt":true,"halt_print_sensitivity":"high"}}"#),
        ("M8131 Dspaghetti_detector S0",
         #"{"xcam":{"sequence_id":"3","command":"xcam_control_set","module_name":"printing_monitor","control":false,"enable":false,"print_halt":true}}"#),
        ("M8131 Dfirstlayer S0",
         #"{"xcam":{"sequence_id":"3","command":"xcam_control_set","module_name":"first_layer_inspector","control":false,"enable":false,"print_halt":true}}"#),
        ("M8131 Dbuildplate_marker_detector S1",
         #"{"xcam":{"sequence_id":"3","command":"xcam_control_set","module_name":"buildplate_marker_detector","control":true,"enable":true,"print_halt":true}}"#),
    ])
    func x1cPayloads(line: String, payload: String) {
        // The X1C's `xcam` reports the AI monitor, so it is offered.
        var session = harness(.x1c, report: #"{"print":{"command":"push_status","xcam":{"printing_monitor":true}}}"#)
        let result = session.run(line)
        #expect(result.reply == "ok\n")
        #expect(result.published == [payload])
    }

    @Test func cfgDetectorsOnH2D() {
        var session = harness(.h2d, report: #"{"print":{"command":"push_status","xcam":{"cfg":374487}}}"#)
        #expect(
            session.run("M8131 Dpileup S1 Hlow").published == [
                #"{"xcam":{"sequence_id":"3","command":"xcam_control_set","module_name":"pileup_detector","control":true,"enable":true,"print_halt":true,"halt_print_sensitivity":"low"}}"#
            ])
        #expect(
            session.run("M8131 Dalignment S1").published == [
                #"{"xcam":{"sequence_id":"4","command":"xcam_control_set","module_name":"plate_offset_switch","control":true,"enable":true,"print_halt":true}}"#
            ])
    }

    @Test(arguments: [
        (PrinterModel.h2d, "M8131 Dfirstlayer S1", "M8131: the Bambu Lab H2D has no Micro LiDAR for the first layer inspector"),
        (.x1c, "M8131 Dclump S1", "M8131: the Bambu Lab X1 Carbon does not report the nozzle clumping detector"),
        (.a1, "M8131 Dai S1", "M8131: the Bambu Lab A1 does not report the AI monitoring (spaghetti)"),
        (.x1c, "M8131", "M8131: D<detector> needed, one of marker, firstlayer, ai, pileup, clump, airprint, alignment"),
        (.x1c, "M8131 Dfoo S1", "M8131: unknown detector 'foo'; use one of marker, firstlayer, ai, pileup, clump, airprint, alignment"),
        (.x1c, "M8131 Dmarker", "M8131: S1 (on) or S0 (off) needed"),
        (.x1c, "M8131 Dmarker S1 Hlow", "M8131: the build plate marker detector has no sensitivity; leave out H"),
        (.x1c, "M8131 Dai S1 Hextreme", "M8131: Hextreme is not a sensitivity; use low, medium or high"),
    ])
    func refusals(model: PrinterModel, line: String, message: String) {
        var session = harness(model, report: nil)
        let result = session.run(line)
        #expect(result.reply == "echo:\(message)\nok\n")
        #expect(result.published.isEmpty)
    }
}

@Suite struct NozzleCommandTests {
    @Test func singleNozzleSetsAccessories() {
        var session = harness(.x1c)
        #expect(
            session.run("M8140 D0.6 Sstainless_steel").published == [
                #"{"system":{"sequence_id":"3","command":"set_accessories","accessory_type":"nozzle","nozzle_diameter":0.6,"nozzle_type":"stainless_steel"}}"#
            ])
        // The type defaults to the reported one.
        #expect(
            session.run("M8140 D0.2").published == [
                #"{"system":{"sequence_id":"4","command":"set_accessories","accessory_type":"nozzle","nozzle_diameter":0.2,"nozzle_type":"hardened_steel"}}"#
            ])
    }

    @Test func twoNozzlesSetOneByID() {
        var session = harness(.h2d)
        #expect(
            session.run("M8140 T1 D0.6 Shardened_steel").published == [
                #"{"print":{"command":"set_nozzle","id":1,"type":"HS01","diameter":0.6,"wear":0,"sequence_id":"3"}}"#
            ])
        #expect(
            session.run("M8140 T0 D0.4 Shh01").published == [
                #"{"print":{"command":"set_nozzle","id":0,"type":"HH01","diameter":0.4,"wear":0,"sequence_id":"4"}}"#
            ])
    }

    @Test(arguments: [
        (PrinterModel.x1c, "M8140 T1 D0.4", "M8140 T1: the Bambu Lab X1 Carbon has one nozzle"),
        (.x1c, "M8140 D0.5", "M8140: D0.5 is not a nozzle diameter; use 0.2, 0.4, 0.6 or 0.8"),
        (.x1c, "M8140 D0.4 Swood",
         "M8140: Swood is not a nozzle type; use stainless_steel, hardened_steel, tungsten_carbide, brass, E3D or a code like HS01"),
        (.h2d, "M8140 T0 D0.4 Sbrass",
         "M8140: Sbrass is not a nozzle type; use stainless_steel, hardened_steel, tungsten_carbide, brass, E3D or a code like HS01"),
    ])
    func refusals(model: PrinterModel, line: String, message: String) {
        var session = harness(model)
        let result = session.run(line)
        #expect(result.reply == "echo:\(message)\nok\n")
        #expect(result.published.isEmpty)
    }

    @Test func busyPrinterIsRefused() {
        var session = harness(.x1c)
        session.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING"}}"#)
        session.line("M114")
        #expect(
            session.run("M8140 D0.4").reply
                == "echo:M8140: the printer is busy (RUNNING); wait until the job ends\nok\n")
        #expect(session.run("M8151 B").reply == "echo:M8151: the printer is busy (RUNNING); wait until the job ends\nok\n")
    }

    @Test func profileSelection() {
        var session = harness(.x1c)
        #expect(
            session.run("M8141 T0 I667").published == [
                #"{"print":{"sequence_id":"3","command":"extrusion_cali_sel","tray_id":0,"cali_idx":667,"filament_id":"GFA00","nozzle_diameter":"0.4"}}"#
            ])
        #expect(
            session.run("M8141 T254 I-1").published == [
                #"{"print":{"sequence_id":"4","command":"extrusion_cali_sel","tray_id":254,"cali_idx":-1,"filament_id":"GFG99","nozzle_diameter":"0.4"}}"#
            ])
        #expect(session.run("M8141 T3 I1").reply == "echo:M8141: the printer reports no tray 3\nok\n")
        #expect(session.run("M8141 T0").reply == "echo:M8141: I<profile index> needed (-1 for the default profile)\nok\n")
        #expect(session.run("M8141 I1").reply == "echo:M8141: T<tray> needed\nok\n")
        #expect(session.published.isEmpty)
    }
}

@Suite struct HousekeepingCommandTests {
    @Test func refreshAsksForEverything() {
        var session = harness(.x1c)
        #expect(
            session.run("M8150").published == [
                #"{"pushing":{"sequence_id":"3","command":"pushall","version":1,"push_target":1}}"#,
                #"{"info":{"sequence_id":"4","command":"get_version"}}"#,
            ])
    }

    @Test func calibrationBitmask() {
        var session = harness(.x1c, report: amsReport(homeFlag: 0x0038_0410))  // bit 21: motor noise supported
        #expect(session.run("M8151 B V").published == [#"{"print":{"sequence_id":"3","command":"calibration","option":6}}"#])
        #expect(session.run("M8151 L B1 V0 M").published == [#"{"print":{"sequence_id":"4","command":"calibration","option":11}}"#])
    }

    @Test(arguments: [
        (PrinterModel.h2d, "M8151 L", "M8151 L: the Bambu Lab H2D has no Micro LiDAR"),
        (.x1c, "M8151", "M8151: choose at least one calibration: L LiDAR, B bed leveling, V vibration, M motor noise"),
        (.x1c, "M8151 B2", "M8151: B2: give the letter alone (or 1 / 0)"),
        (.x1c, "M8151 M", "M8151 M: the Bambu Lab X1 Carbon does not support motor noise calibration"),
    ])
    func calibrationRefusals(model: PrinterModel, line: String, message: String) {
        var session = harness(model, report: amsReport(homeFlag: 0))
        let result = session.run(line)
        #expect(result.reply == "echo:\(message)\nok\n")
        #expect(result.published.isEmpty)
    }

    @Test func exactSpeedLevel() {
        var session = harness(.x1c)
        #expect(session.run("M8153 S3").published == [#"{"print":{"sequence_id":"3","command":"print_speed","param":"3"}}"#])
        #expect(session.run("M8153 S5").reply == "echo:M8153: S5 is outside 1..4\nok\n")
        #expect(session.run("M8153").reply == "echo:M8153: S<level> needed: 1 silent, 2 standard, 3 sport, 4 ludicrous\nok\n")
    }

    @Test func rawRequestGetsASequenceIDFirst() {
        var session = harness(.x1c)
        #expect(
            session.run(#"M8152 {"pushing": {"command": "start"}}"#).published == [
                #"{"pushing":{"sequence_id":"3","command":"start"}}"#
            ])
        // A sequence id the host gave is kept, in place.
        #expect(
            session.run(#"M8152 {"upgrade":{"command":"get_history","sequence_id":"77"}}"#).published == [
                #"{"upgrade":{"command":"get_history","sequence_id":"77"}}"#
            ])
    }

    @Test func rawRequestKeepsStarsAndSemicolonsInStrings() {
        var session = harness(.x1c)
        let json = #"{"print":{"command":"gcode_line","param":"M117 a*b; c\"*\"\n"}}"#
        #expect(
            session.run("M8152 " + json).published == [
                #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M117 a*b; c\"*\"\n"}}"#
            ])
        // The same line numbered and checksummed, as OctoPrint sends it.
        let body = "N1 M8152 " + json
        let checksum = body.utf8.reduce(UInt8(0)) { $0 ^ $1 }
        session.line("M110 N0")
        #expect(session.run(body + "*\(checksum)").published.count == 1)
    }

    @Test(arguments: [
        ("M8152", #"M8152: give one JSON request, e.g. M8152 {"pushing":{"command":"pushall"}}"#),
        (#"M8152 {"print":{"command":"pause"}"#, "M8152: invalid JSON at character 29: expected ',' or '}'"),
        (#"M8152 {"print":{},"system":{}}"#,
         "M8152: the request must be one object with exactly one key (print, system, info, pushing, xcam, camera, upgrade)"),
        (#"M8152 {"update":{"name":"x"}}"#,
         "M8152: unknown module 'update'; use one of print, system, info, pushing, xcam, camera, upgrade"),
        (#"M8152 {"print":"pause"}"#, "M8152: the value of 'print' must be an object"),
        ("M8152 [1]", "M8152: the request must be one object with exactly one key (print, system, info, pushing, xcam, camera, upgrade)"),
    ])
    func rawRequestErrors(line: String, message: String) {
        var session = harness(.x1c)
        let result = session.run(line)
        #expect(result.reply == "echo:\(message)\nok\n")
        #expect(result.published.isEmpty)
    }
}

@Suite struct WorkLightTests {
    @Test func workLightSwitchesAlone() {
        var session = harness(.x1c)
        #expect(
            session.run("M355 W1").published == [
                #"{"system":{"sequence_id":"3","command":"ledctrl","led_node":"work_light","led_mode":"on","led_on_time":500,"led_off_time":500,"loop_times":0,"interval_time":0}}"#
            ])
        let both = session.run("M355 S1 W0").published
        #expect(both.count == 2)
        #expect(both.first?.contains(#""led_node":"chamber_light","led_mode":"on""#) == true)
        #expect(both.last?.contains(#""led_node":"work_light","led_mode":"off""#) == true)
    }

    @Test func refusedWithoutWorkLight() {
        var session = harness(.a1)
        let result = session.run("M355 S1 W1")
        #expect(result.reply == "echo:M355 W: the Bambu Lab A1 has no work light\nok\n")
        #expect(result.published.isEmpty)
    }

    @Test func reportShowsBothLights() {
        var session = harness(.x1c)
        session.report(#"{"print":{"command":"push_status","lights_report":[{"node":"chamber_light","mode":"on"},{"node":"work_light","mode":"flashing"}]}}"#)
        #expect(session.line("M355") == "echo:Case light: on\necho:Work light: flashing\nok\n")
    }
}
