// SPDX-License-Identifier: AGPL-3.0-or-later
// Each code of the table: the exact payload it publishes and the exact lines it answers.

import BambuModel
import BridgeCore
import GCode
import Testing

@Suite struct TemperatureCommandTests {
    @Test func m104PublishesGcodeLine() {
        var harness = SessionHarness()
        #expect(harness.line("M104 S215") == "ok\n")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"3","command":"gcode_line","param":"M104 S215\n"}}"#])
    }

    @Test(arguments: [
        ("M140 S60", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M140 S60\n"}}"#),
        ("M104 T0 S200", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M104 S200\n"}}"#),
        ("M107", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M106 P1 S0\n"}}"#),
        ("M106", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M106 P1 S255\n"}}"#),
        ("M106 P1 S128", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M106 P2 S128\n"}}"#),
        ("M106 P2 S100", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M106 P3 S102\n"}}"#),
        ("M106 P0 S13", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M106 P1 S26\n"}}"#),
        ("M220 S150", #"{"print":{"sequence_id":"3","command":"print_speed","param":"4"}}"#),
        ("M220 S100", #"{"print":{"sequence_id":"3","command":"print_speed","param":"2"}}"#),
        ("M220 S60", #"{"print":{"sequence_id":"3","command":"print_speed","param":"1"}}"#),
        ("M220 S120", #"{"print":{"sequence_id":"3","command":"print_speed","param":"3"}}"#),
        ("M112", #"{"print":{"sequence_id":"3","command":"stop","param":""}}"#),
        ("G28", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"G28\n"}}"#),
        ("M84", #"{"print":{"sequence_id":"3","command":"gcode_line","param":"M84\n"}}"#),
        (
            "M355 S1",
            #"{"system":{"sequence_id":"3","command":"ledctrl","led_node":"chamber_light","led_mode":"on","led_on_time":500,"led_off_time":500,"loop_times":0,"interval_time":0}}"#
        ),
    ])
    func x1cPayloads(line: String, payload: String) {
        var harness = SessionHarness()
        #expect(harness.line(line) == "ok\n")
        #expect(harness.takePublished() == [payload])
    }

    @Test func m109WaitsWithProgressAndReleasesOnReport() {
        var harness = SessionHarness()
        harness.report(#"{"print":{"nozzle_temper":25.0,"nozzle_target_temper":0,"bed_temper":24,"bed_target_temper":0}}"#)
        #expect(harness.line("M109 S215") == "")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"3","command":"gcode_line","param":"M104 S215\n"}}"#])
        #expect(harness.line("M105") == "")  // queued behind the wait
        #expect(harness.advance(.seconds(1)) == "T:25.0 /0.0 B:24.0 /0.0 C:0.0 /0.0 @:0 B@:0\n")
        let released = harness.report(#"{"print":{"nozzle_temper":214.5,"nozzle_target_temper":215}}"#)
        #expect(released == "ok\nok T:214.5 /215.0 B:24.0 /0.0 C:0.0 /0.0 @:0 B@:0\n")
    }

    @Test func m108CancelsAWait() {
        var harness = SessionHarness()
        harness.line("M190 S60")
        #expect(harness.line("M108") == "echo:M190 wait cancelled by M108\nok\nok\n")
        #expect(harness.line("M400") == "ok\n")
    }

    @Test func m109S0DoesNotWait() {
        var harness = SessionHarness()
        #expect(harness.line("M109 S0") == "ok\n")
    }

    @Test func waitTimesOut() {
        var harness = SessionHarness()
        harness.line("M109 S215")
        let output = harness.advance(.seconds(30 * 60))
        #expect(output.hasSuffix("echo:M109 stopped waiting: target not reached in time\nok\n"))
    }

    @Test func rangeErrorsAreEchoedNeverError() {
        var harness = SessionHarness()
        #expect(harness.line("M104 S400") == "echo:M104: S400 is outside 0..300\nok\n")
        #expect(harness.line("M140 Sabc") == "echo:M140: parameter S needs a number\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func singleNozzleRefusesT1() {
        var harness = SessionHarness()
        #expect(harness.line("M104 T1 S200") == "echo:M104 T1 Invalid extruder\nok\n")
        #expect(harness.line("T1") == "echo:T1 Invalid extruder\nok\n")
        #expect(harness.line("T0") == "echo:Active Extruder: 0\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func chamberHeaterGates() {
        var x1c = SessionHarness()
        #expect(x1c.line("M141 S40") == "echo:M141: the Bambu Lab X1 Carbon has no chamber heater\nok\n")
        var x1e = SessionHarness(model: .x1e, serial: "03W00A000000000")
        x1e.line("M141 S40")
        #expect(x1e.takePublished() == [#"{"print":{"sequence_id":"3","command":"gcode_line","param":"M141 S40\n"}}"#])
        var h2d = SessionHarness(model: .h2d, serial: "09400A000000000")
        h2d.line("M141 S45")
        #expect(h2d.takePublished() == [#"{"print":{"sequence_id":"3","command":"set_ctt","ctt_val":45}}"#])
    }

    @Test func fansMissingOnA1() {
        var harness = SessionHarness(model: .a1, serial: "03900A000000000")
        #expect(harness.line("M106 P1 S255") == "echo:M106 P1: the Bambu Lab A1 has no auxiliary fan\nok\n")
        #expect(harness.line("M106 P2 S255") == "echo:M106 P2: the Bambu Lab A1 has no chamber fan\nok\n")
        #expect(harness.takePublished().isEmpty)
    }
}

@Suite struct DualNozzleTests {
    @Test func m105ReportsBothNozzles() {
        var harness = SessionHarness(model: .h2d, serial: "09400A000000000")
        harness.report(
            #"{"print":{"device":{"extruder":{"state":274,"info":[{"id":0,"temp":13107400},{"id":1,"temp":14745800}]},"bed":{"info":{"temp":6553700}},"ctc":{"info":{"temp":3932208}}}}}"#
        )
        // 13107400 = 200 << 16 | 200; 14745800 = 225 << 16 | 200; state 274 → active extruder 1.
        #expect(
            harness.line("M105")
                == "ok T:200.0 /225.0 T0:200.0 /200.0 T1:200.0 /225.0 B:100.0 /100.0 C:48.0 /60.0 @:0 B@:0\n")
    }

    @Test func toolSelectionPublishes() {
        var harness = SessionHarness(model: .h2d, serial: "09400A000000000")
        #expect(harness.line("T1") == "echo:Active Extruder: 1\nok\n")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"3","command":"select_extruder","extruder_index":1}}"#])
        harness.line("M104 T1 S220")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"4","command":"gcode_line","param":"M104 S220 T1\n"}}"#])
    }

    @Test func h2LightSwitchesBothNodes() {
        var harness = SessionHarness(model: .h2d, serial: "09400A000000000")
        harness.line("M355 S0")
        let nodes = harness.takePublished().map { $0.contains("\"chamber_light2\"") ? "2" : "1" }
        #expect(nodes == ["1", "2"])
    }
}

@Suite struct PolicyTests {
    @Test func unknownMCodeRejectedByPolicy() {
        var harness = SessionHarness(policy: .reject)
        #expect(harness.line("M9999 S1") == "echo:Unknown command: \"M9999 S1\"\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func extendedWordsAreNeverForwarded() {
        var harness = SessionHarness()
        #expect(harness.line("STATUS") == "echo:Unknown command: \"STATUS\"\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func sdCodesAreNotForwarded() {
        var harness = SessionHarness()
        #expect(harness.line("M31") == "echo:Unknown command: \"M31\"\nok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func offlineCommandsAreAnsweredNotLost() {
        var harness = SessionHarness(online: false)
        #expect(harness.line("M104 S200") == "echo:test is not connected to the printer (pending); M104 not sent\nok\n")
        harness.handle(.linkDown(reason: "cannot reach 192.0.2.1:8883 (Connection refused)", permanent: false))
        #expect(
            harness.line("G28")
                == "echo:test is not connected to the printer (reconnecting); G28 not sent\nok\n")
        #expect(harness.line("M105") == "ok T:0.0 /0.0 B:0.0 /0.0 C:0.0 /0.0 @:0 B@:0\n")
        #expect(harness.published.isEmpty)
    }

    @Test func linkUpAsksForVersionAndFullReport() {
        var harness = SessionHarness(online: false)
        harness.handle(.linkUp)
        #expect(
            harness.takePublished() == [
                #"{"info":{"sequence_id":"1","command":"get_version"}}"#,
                #"{"pushing":{"sequence_id":"2","command":"pushall","version":1,"push_target":1}}"#,
            ])
    }

    @Test func emergencyStopPublishedOnce() {
        var harness = SessionHarness()
        #expect(harness.send("M112\nN1 M112*\(Int("N1 M112".utf8.reduce(0) { $0 ^ $1 }))\n") == "ok\nok\n")
        #expect(harness.takePublished().count == 1)
    }

    @Test func m118Variants() {
        var harness = SessionHarness()
        #expect(harness.line("M118 A1 action:notification hi") == "//action:notification hi\nok\n")
        #expect(harness.line("M118 E1 hello") == "echo:hello\nok\n")
        #expect(harness.line("M118 hello") == "hello\nok\n")
        #expect(harness.line("M118 Error:boom") == "// Error:boom\nok\n")
    }

    @Test func m114AndM220Report() {
        var harness = SessionHarness()
        #expect(harness.line("M114") == "X:0.00 Y:0.00 Z:0.00 E:0.00 Count X:0 Y:0 Z:0\nok\n")
        harness.report(#"{"print":{"spd_mag":124,"spd_lvl":3}}"#)
        #expect(harness.line("M220") == "FR:124%\nok\n")
    }

    @Test func reportGarbageIsIgnored() {
        var harness = SessionHarness()
        #expect(harness.report("{not json") == "")
        #expect(harness.report(#"{"print":{"nozzle_temper":"hot"}}"#) == "")
        #expect(harness.line("M105").hasPrefix("ok T:"))
    }
}

@Suite struct CommandTableTests {
    @Test func noDuplicates() {
        #expect(CommandTable.duplicates(in: CommandTable.standardFamilies).isEmpty)
    }

    @Test func everySpecIsDocumented() {
        for spec in CommandTable.standard.specs {
            #expect(!spec.summary.isEmpty, "\(spec.code) has no summary")
            #expect(!spec.translation.isEmpty, "\(spec.code) has no translation")
        }
    }

    @Test func duplicateDetectionWorks() {
        let one = CommandSpec(.m(1), "a", translation: "none") { _, _ in }
        #expect(CommandTable.duplicates(in: [[one], [one]]) == [.m(1)])
    }

    @Test func fanSpeedSnapsToTenPercentSteps() {
        #expect(printerFanSpeed(0) == 0)
        #expect(printerFanSpeed(255) == 255)
        #expect(printerFanSpeed(128) == 128)
        #expect(printerFanSpeed(1) == 0)
    }
}

@Suite struct LinkStateTests {
    @Test func transitionsAreAnnouncedOnce() {
        var harness = SessionHarness(online: false)
        #expect(harness.handle(.linkConnecting) == "//action:notification test: connecting\n")
        #expect(harness.handle(.linkUp) == "//action:notification test: connected\n")
        #expect(
            harness.handle(.linkDown(reason: "connection lost", permanent: false))
                == "//action:notification test: reconnecting (connection lost)\n")
        #expect(harness.handle(.linkConnecting) == "")
        #expect(harness.handle(.linkDown(reason: "connection lost", permanent: false)) == "")
        #expect(harness.handle(.linkUp) == "//action:notification test: connected\n")
        #expect(harness.session.linkState == .connected)
    }

    @Test func permanentFailureIsAnError() {
        var harness = SessionHarness(online: false)
        harness.handle(.linkConnecting)
        let text = harness.handle(.linkDown(reason: "the printer refused the access code", permanent: true))
        #expect(text == "//action:notification test: error (the printer refused the access code)\n")
        #expect(harness.handle(.linkDown(reason: "the printer refused the access code", permanent: true)) == "")
        #expect(harness.session.linkState == .error(reason: "the printer refused the access code"))
    }

    @Test func newHostHearsTheStateAfterItsFirstReply() {
        var harness = SessionHarness(online: false)
        harness.handle(.linkDown(reason: "cannot reach", permanent: false))
        harness.handle(.hostAttached)
        #expect(
            harness.line("N0 M110 N0*125") == "ok\n//action:notification test: reconnecting (cannot reach)\n")
        #expect(harness.line("M400") == "ok\n")
    }

    @Test func signedCommandsAreDetectedOnceAndRefuseControl() {
        var harness = SessionHarness()
        let notice =
            "//action:notification test: the printer requires signed commands, so it ignores control commands; "
            + "switch on LAN-only mode and Developer Mode on the printer's screen (Settings > Network)\n"
        #expect(harness.report(#"{"print":{"command":"push_status","fun":"3EC1AFFF9CFF"}}"#) == notice)
        #expect(harness.report(#"{"print":{"command":"push_status","fun":"3EC1AFFF9CFF"}}"#) == "")
        #expect(
            harness.line("M104 S200")
                == "echo:test refuses unsigned commands: enable LAN-only mode and Developer Mode on the printer; M104 not sent\nok\n")
        #expect(harness.takePublished().isEmpty)
        // The chamber light still works without Developer Mode.
        #expect(harness.line("M355 S1") == "ok\n")
        #expect(harness.takePublished().count == 1)
        #expect(
            harness.report(#"{"print":{"command":"push_status","fun":"3EC18FFF9CFF"}}"#)
                == "//action:notification test: the printer accepts commands again\n")
    }

    @Test func verificationFailureAckLocks() {
        var harness = SessionHarness()
        let text = harness.report(
            #"{"print":{"command":"gcode_line","sequence_id":"3","result":"failed","reason":"mqtt message verify failed"}}"#)
        #expect(text.contains("requires signed commands"))
        #expect(harness.session.requiresSignedCommands)
    }

    @Test func verificationHMSLocks() {
        var harness = SessionHarness()
        // attr 0x05000500, code 0x00010007 → 0500_0500_0001_0007.
        harness.report(#"{"print":{"command":"push_status","hms":[{"attr":83887360,"code":65543}]}}"#)
        #expect(harness.session.requiresSignedCommands)
    }
}
