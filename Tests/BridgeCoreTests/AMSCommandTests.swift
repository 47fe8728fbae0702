// SPDX-License-Identifier: AGPL-3.0-or-later
// The filament and AMS codes: exact payloads, exact refusals, and M8102 on real fixtures.

import BambuModel
import BridgeCore
import BridgeTestSupport
import GCode
import Testing

extension SessionHarness {
    /// A session of `model` that has received the full report of a shared fixture (in Developer Mode).
    init(model: PrinterModel, fixture: String) throws {
        self.init(model: model, serial: (model.serialPrefixes.first ?? "000") + "00A000000000")
        let document = try JSONValue(parsing: Fixtures.readBytes(Fixtures.reportPath(fixture)))
        let body = try #require(document["pushall"] ?? document["push_all"])
        let message: JSONValue = body["print"] != nil ? body : ["print": body]
        report(message.serialized)
        // Some fixtures come from locked printers; these tests are about a printer in Developer Mode.
        report(#"{"print":{"fun":"3EC18FFF9CFF"}}"#)
        _ = takePublished()
    }

    /// The lines `M8102` answers, up to and including its `ok` (a fixture with a running job may be
    /// followed by the SD job announcement, which is not part of the answer).
    mutating func status() -> [String] {
        let lines = line("M8102").split(separator: "\n").map(String.init)
        guard let ok = lines.firstIndex(of: "ok") else { return lines }
        return Array(lines[...ok])
    }

    /// Sends a line and returns its answer up to and including the first `ok` (fixtures with a running
    /// job also announce that job to the host after the first command).
    mutating func answer(_ text: String) -> String {
        let reply = line(text)
        guard let ok = reply.firstRange(of: "ok\n") else { return reply }
        return String(reply[..<ok.upperBound])
    }

    /// Sends a line and returns its reply and what it published.
    mutating func exchange(_ text: String) -> (reply: String, published: [String]) {
        let reply = answer(text)
        return (reply, takePublished())
    }
}

/// `{"print":{"sequence_id":"3",…}}` with the given members after the sequence id.
private func request(_ members: String) -> String { #"{"print":{"sequence_id":"3","# + members + "}}" }

@Suite struct FilamentCommandTests {
    @Test(arguments: [
        // Nothing loaded: curr_temp 220; tar_temp the new spool's nozzle_temp_max.
        ("M701 A0 S2", #""command":"ams_change_filament","ams_id":0,"slot_id":2,"target":2,"curr_temp":220,"tar_temp":230"#),
        ("M701 A1 S3", #""command":"ams_change_filament","ams_id":1,"slot_id":3,"target":7,"curr_temp":220,"tar_temp":270"#),
        // AMS HT: target is the unit id; S defaults to 0.
        ("M701 A128", #""command":"ams_change_filament","ams_id":128,"slot_id":0,"target":128,"curr_temp":220,"tar_temp":290"#),
    ])
    func m701LoadsFromTheAMS(line: String, members: String) throws {
        var harness = try SessionHarness(model: .x1c, fixture: "x1c_multi_ams_pushall.json")
        let (reply, published) = harness.exchange(line)
        #expect(reply == "ok\n")
        #expect(published == [request(members)])
    }

    @Test func m701LoadsTheExternalSpoolAsTheVendorSlicerDoes() throws {
        var harness = try SessionHarness(model: .p1p, fixture: "p1p_no_ams_pushall.json")
        // The PETG on the holder is loaded (tray_now 254): curr_temp and tar_temp are its 280 °C.
        let (reply, published) = harness.exchange("M701 A254")
        #expect(reply == "ok\n")
        #expect(
            published == [request(#""command":"ams_change_filament","ams_id":255,"slot_id":0,"target":254,"curr_temp":280,"tar_temp":280"#)])
    }

    @Test func m701OnTwoNozzlesUsesTheFedNozzlesLoadedFilament() throws {
        var harness = try SessionHarness(model: .h2d, fixture: "h2d_external_spool_active_pushall.json")
        harness.report(#"{"print":{"gcode_state":"FINISH"}}"#)  // the fixture is RUNNING
        // A128 feeds the right nozzle, which holds the TPU of holder 255 (250 °C); the new PLA tops at 240 °C.
        #expect(
            harness.exchange("M701 A128").published
                == [request(#""command":"ams_change_filament","ams_id":128,"slot_id":0,"target":128,"curr_temp":250,"tar_temp":240"#)])
        // A0 feeds the left nozzle, which is empty.
        #expect(
            harness.exchange("M701 A0 S2").published
                == [request(#""command":"ams_change_filament","ams_id":0,"slot_id":2,"target":2,"curr_temp":220,"tar_temp":270"#).replacingSequence(4)])
        // The left holder: ams_id and target are the holder's id on two-nozzle printers.
        #expect(
            harness.exchange("M701 A254").published
                == [request(#""command":"ams_change_filament","ams_id":254,"slot_id":0,"target":254,"curr_temp":220,"tar_temp":240"#).replacingSequence(5)])
    }

    @Test func m701Refusals() throws {
        var x1c = try SessionHarness(model: .x1c, fixture: "x1c_multi_ams_pushall.json")
        #expect(x1c.line("M701 A2 S0") == "echo:M701 A2 S0: the slot is empty (set the spool with M8123 if it is loaded)\nok\n")
        #expect(x1c.line("M701 A5 S0") == "echo:M701 A5: no such AMS unit (the printer reports A0, A1, A2, A128)\nok\n")
        #expect(x1c.line("M701 A128 S1") == "echo:M701 A128 S1: the AMS HT has one slot (S0)\nok\n")
        #expect(x1c.line("M701 A0 S4") == "echo:M701 A0 S4: slots are S0–S3\nok\n")
        #expect(x1c.line("M701 S1") == "echo:M701: parameter A is required (A0–A3 AMS, A128–A135 AMS HT, A254/A255 external spool)\nok\n")
        #expect(x1c.line("M701 A254") == "echo:M701 A254: the slot is empty (set the spool with M8123 if it is loaded)\nok\n")
        #expect(x1c.takePublished().isEmpty)

        var p1p = try SessionHarness(model: .p1p, fixture: "p1p_no_ams_pushall.json")
        #expect(p1p.line("M701 A0 S1") == "echo:M701 A0: the Bambu Lab P1P reports no AMS\nok\n")
        #expect(p1p.takePublished().isEmpty)

        var printing = try SessionHarness(model: .x1, fixture: "x1_amsht_only_with_hms.json")
        #expect(
            printing.answer("M701 A128")
                == "echo:M701: the printer is printing (RUNNING); change filament when the job is paused or done\nok\n")
        #expect(printing.takePublished().isEmpty)
    }

    @Test func m702UnloadsWhatIsLoaded() throws {
        var p1p = try SessionHarness(model: .p1p, fixture: "p1p_no_ams_pushall.json")
        #expect(
            p1p.exchange("M702").published
                == [request(#""command":"ams_change_filament","ams_id":255,"target":255,"slot_id":255,"curr_temp":280,"tar_temp":280"#)])

        var h2d = try SessionHarness(model: .h2d, fixture: "h2d_external_spool_active_pushall.json")
        h2d.report(#"{"print":{"gcode_state":"FINISH"}}"#)  // the fixture is RUNNING
        #expect(
            h2d.exchange("M702 T0").published
                == [request(#""command":"ams_change_filament","ams_id":255,"target":255,"slot_id":255,"curr_temp":250,"tar_temp":250"#)])
        #expect(h2d.line("M702 T1") == "echo:M702 T1: no filament is loaded in the left nozzle\nok\n")
        #expect(h2d.takePublished().isEmpty)

        var a1 = try SessionHarness(model: .a1, fixture: "a1_ams_lite_pushall.json")
        #expect(a1.line("M702") == "echo:M702: no filament is loaded\nok\n")
        #expect(a1.line("M702 T1") == "echo:M702 T1 Invalid extruder\nok\n")
        #expect(a1.takePublished().isEmpty)
    }

    @Test func m702UnloadsAnAMSSlot() throws {
        var harness = try SessionHarness(model: .h2d, fixture: "h2d_pushall_and_partials.json")
        // The right nozzle holds the AMS HT's PA-GF (290 °C). The fixture is RUNNING: pretend it finished.
        harness.report(#"{"print":{"gcode_state":"FINISH"}}"#)
        #expect(
            harness.exchange("M702 T0").published
                == [request(#""command":"ams_change_filament","ams_id":128,"target":255,"slot_id":255,"curr_temp":290,"tar_temp":290"#)])
    }

    @Test func m600IsNeverPublished() {
        var harness = SessionHarness()
        #expect(harness.line("M600") == "echo:M600: filament change is not supported on Bambu printers; use M701/M702 or the AMS\nok\n")
        #expect(harness.takePublished().isEmpty)
    }
}

@Suite struct AMSCommandTests {
    @Test(arguments: [
        ("M8120 Spause", #""command":"ams_control","param":"pause""#),
        ("M8120 SResume", #""command":"ams_control","param":"resume""#),
        ("M8120 Sdone", #""command":"ams_control","param":"done""#),
        ("M8121 A2 S55 D8 MABS", #""command":"ams_filament_drying","ams_id":2,"mode":1,"filament":"ABS","temp":55,"duration":8,"humidity":0,"cooling_temp":45,"rotate_tray":false,"close_power_conflict":false"#),
        // Material from the unit's loaded spool, default 8 hours, rotation on.
        ("M8121 A128 S80 R1", #""command":"ams_filament_drying","ams_id":128,"mode":1,"filament":"PA-CF","temp":80,"duration":8,"humidity":0,"cooling_temp":45,"rotate_tray":true,"close_power_conflict":false"#),
        ("M8121 A2 S0", #""command":"ams_filament_drying","ams_id":2,"mode":0,"filament":"","temp":0,"duration":0,"humidity":0,"cooling_temp":0,"rotate_tray":false,"close_power_conflict":false"#),
        ("M8122 A1 S2", #""command":"ams_get_rfid","ams_id":1,"slot_id":2"#),
        ("M8122 A128", #""command":"ams_get_rfid","ams_id":128,"slot_id":0"#),
        ("M8123 A0 S1 MPLA Cff8800", #""command":"ams_filament_setting","ams_id":0,"slot_id":1,"tray_id":1,"tray_info_idx":"GFL99","setting_id":"","tray_color":"FF8800FF","nozzle_temp_min":190,"nozzle_temp_max":240,"tray_type":"PLA""#),
        ("M8123 A2 S0 Mpetg-cf C#10203040 L250 H280 IGFG50", #""command":"ams_filament_setting","ams_id":2,"slot_id":0,"tray_id":0,"tray_info_idx":"GFG50","setting_id":"","tray_color":"10203040","nozzle_temp_min":250,"nozzle_temp_max":280,"tray_type":"PETG-CF""#),
        ("M8123 A254 MTPU C000000", #""command":"ams_filament_setting","ams_id":255,"slot_id":0,"tray_id":254,"tray_info_idx":"GFU99","setting_id":"","tray_color":"000000FF","nozzle_temp_min":200,"nozzle_temp_max":250,"tray_type":"TPU""#),
        ("M8124 R0", #""command":"ams_user_setting","ams_id":0,"calibrate_remain_flag":false"#),
        ("M8124 A1 P1 I0 R1", #""command":"ams_user_setting","ams_id":1,"startup_read_option":true,"tray_read_option":false,"calibrate_remain_flag":true"#),
    ])
    func x1cPayloads(line: String, members: String) throws {
        var harness = try SessionHarness(model: .x1c, fixture: "x1c_multi_ams_pushall.json")
        let (reply, published) = harness.exchange(line)
        #expect(reply == "ok\n")
        #expect(published == [request(members)])
    }

    @Test func refusalsOnPrintersLackingThePart() throws {
        var p1p = try SessionHarness(model: .p1p, fixture: "p1p_no_ams_pushall.json")
        #expect(p1p.line("M8120 Spause") == "echo:M8120: the Bambu Lab P1P reports no AMS\nok\n")
        #expect(p1p.line("M8121 A0 S55") == "echo:M8121 A0: the Bambu Lab P1P reports no AMS\nok\n")
        #expect(p1p.line("M8122 A0 S0") == "echo:M8122 A0: the Bambu Lab P1P reports no AMS\nok\n")
        #expect(p1p.line("M8124 R1") == "echo:M8124: the Bambu Lab P1P reports no AMS\nok\n")
        #expect(p1p.takePublished().isEmpty)

        var x1c = try SessionHarness(model: .x1c, fixture: "x1c_multi_ams_pushall.json")
        #expect(x1c.line("M8121 A0 S55") == "echo:M8121 A0: the AMS has no dryer (AMS 2 Pro and AMS HT have one)\nok\n")
        #expect(x1c.takePublished().isEmpty)

        var a1 = try SessionHarness(model: .a1, fixture: "a1_ams_lite_pushall.json")
        #expect(a1.line("M8121 A0 S55") == "echo:M8121 A0: the AMS Lite has no dryer (AMS 2 Pro and AMS HT have one)\nok\n")
        #expect(a1.takePublished().isEmpty)
    }

    @Test func badParametersAreNamed() throws {
        var harness = try SessionHarness(model: .x1c, fixture: "x1c_multi_ams_pushall.json")
        let refusals = [
            ("M8120 Sstop", "M8120: S must be one of pause, resume, reset, done, abort"),
            ("M8120", "M8120: S must be one of pause, resume, reset, done, abort"),
            ("M8121 A2 S70", "M8121 A2: S70 is outside 45..65 for the AMS 2 Pro"),
            ("M8121 A128 S90", "M8121 A128: S90 is outside 45..85 for the AMS HT"),
            ("M8121 A2 S55 D30", "M8121: D30 is outside 1..24"),
            ("M8121 A2", "M8121: parameter S is required (temperature °C, or S0 to stop)"),
            ("M8121 A2 S55 MP+L@", "M8121: M'P+L@' is not a material name (letters, digits, - + _; e.g. MPETG-CF)"),
            ("M8122 A254", "M8122 A254: not possible for an external spool"),
            ("M8123 A0 S1 MPLA CFF88", "M8123: C'FF88' is not a colour; use RRGGBB or RRGGBBAA hex, e.g. CFF8800"),
            ("M8123 A0 S1 MPLA CGG8800", "M8123: C'GG8800' is not a colour; use RRGGBB or RRGGBBAA hex, e.g. CFF8800"),
            ("M8123 A0 S1 MPLA CFF8800 H400", "M8123: H400 is outside 120..350"),
            ("M8123 A0 S1 MPLA CFF8800 L250 H200", "M8123: L250 is above H200"),
            ("M8123 A0 S1 MWOOD CFF8800", "M8123: no generic preset for WOOD; give the preset id with I<id>, e.g. IGFL99"),
            ("M8123 A0 S1 CFF8800", "M8123: parameter M is required (material, e.g. MPLA)"),
            ("M8123 A0 S1 MPLA", "M8123: parameter C is required (colour RRGGBB or RRGGBBAA)"),
            ("M8124 A0", "M8124: give at least one of R, P, I (1 on, 0 off)"),
            ("M8124 A0 R2", "M8124: R2 is outside 0..1"),
        ]
        for (line, message) in refusals {
            #expect(harness.line(line) == "echo:\(message)\nok\n", "\(line)")
        }
        #expect(harness.takePublished().isEmpty)
    }

    @Test func statusWorksOffline() throws {
        var harness = SessionHarness(online: false)
        #expect(harness.status() == ["// no AMS", "// A254 external: empty", "// loaded: none", "ok"])
        #expect(harness.line("M8121 A2 S55").hasPrefix("echo:"))
    }
}

@Suite struct AMSStatusFixtureTests {

    @Test func x1cMultiAMS() throws {
        var harness = try SessionHarness(model: .x1c, fixture: "x1c_multi_ams_pushall.json")
        #expect(
            harness.status() == [
                "// A0 AMS: humidity 5 (8%), 26.2C",
                "// A0 S0: PLA 000000FF GFA01 190-230C remain 93%",
                "// A0 S1: PLA 7D6556FF GFA01 190-230C remain 100%",
                "// A0 S2: PLA 4D3324FF GFA01 190-230C remain 100%",
                "// A0 S3: PLA AE835BFF GFA01 190-230C remain 83%",
                "// A1 AMS: humidity 5 (4%), 25.4C",
                "// A1 S0: ABS D32941FF GFB00 240-270C remain 21%",
                "// A1 S1: ABS 489FDFFF GFB00 240-270C remain 20%",
                "// A1 S2: ABS FFFFFFFF GFB00 240-270C remain 71%",
                "// A1 S3: ABS 87909AFF GFB00 240-270C remain 100%",
                "// A2 AMS 2 Pro: humidity 4 (9%), 65.0C, dryer drying, 583 min left",
                "// A2 S0: empty",
                "// A2 S1: ABS FF6A13FF GFB00 240-270C remain 100%",
                "// A2 S2: ABS 789D4AFF GFB00 240-270C remain 62%",
                "// A2 S3: ABS 000000FF GFB00 240-270C remain 100%",
                "// A128 AMS HT: humidity 5 (8%), 45.2C, dryer off",
                "// A128 S0: PA-CF 000000FF GFN04 260-290C remain 100%",
                "// A254 external: empty",
                "// loaded: none",
                "// AMS state: idle, read on insertion on, read at power-on off, estimate remaining on",
                "ok",
            ])
    }

    @Test func a1AMSLite() throws {
        var harness = try SessionHarness(model: .a1, fixture: "a1_ams_lite_pushall.json")
        #expect(
            harness.status() == [
                "// A0 AMS Lite: humidity 5",
                "// A0 S0: PLA 76D9F4FF P8d19ba6 190-240C remain 100%",
                "// A0 S1: PLA FFF144FF P3a4d8cf 190-240C remain 100%",
                "// A0 S2: PLA FF80FFFF P8d19ba6 190-240C remain 100%",
                "// A0 S3: PLA 0ACC38FF P3a4d8cf 190-240C remain 100%",
                "// A254 external: PLA FFFFFFFF GFA00 190-240C remain 0%",
                "// loaded: none",
                "// AMS state: idle, read on insertion on, read at power-on off, estimate remaining on",
                "ok",
            ])
    }

    @Test func h2dAMSAndHT() throws {
        var harness = try SessionHarness(model: .h2d, fixture: "h2d_pushall_and_partials.json")
        #expect(
            harness.status() == [
                "// A0 AMS: humidity 4 (24%), 26.2C, feeds left nozzle",
                "// A0 S0: PLA FFFFFFFF GFA01 190-230C remain 47%",
                "// A0 S1: PLA 000000FF GFA00 190-230C remain 35%",
                "// A0 S2: PLA DE4343FF GFA01 190-230C remain 82%",
                "// A0 S3: PETG 000000FF GFG02 230-260C remain 26%",
                "// A128 AMS HT: humidity 0 (6%), 27.9C, dryer off, feeds right nozzle",
                "// A128 S0: PA-GF 000000FF GFN08 260-290C remain 100%",
                "// A254 external left: empty",
                "// A255 external right: empty",
                "// loaded: right A128 S0, left none",
                "// AMS state: assist, read on insertion on, read at power-on off, estimate remaining on",
                "ok",
            ])
    }

    @Test func h2dExternalSpoolActive() throws {
        var harness = try SessionHarness(model: .h2d, fixture: "h2d_external_spool_active_pushall.json")
        #expect(
            harness.status() == [
                "// A0 AMS 2 Pro: humidity 5 (14%), 29.5C, dryer off, feeds left nozzle",
                "// A0 S0: PETG FFFFFFFF Pf13038b 220-270C remain unknown",
                "// A0 S1: empty",
                "// A0 S2: PETG 2850E0FF Pf13038b 220-270C remain unknown",
                "// A0 S3: PETG 057748FF Pf13038b 220-270C remain unknown",
                "// A1 AMS: humidity 4 (21%), 27.5C, feeds left nozzle",
                "// A1 S0: empty",
                "// A1 S1: PLA FF6A13FF GFA00 190-230C remain 93%",
                "// A1 S2: PLA 7C4B00FF GFL99 190-240C remain unknown",
                "// A1 S3: PLA D3B7A7FF GFA01 190-230C remain 98%",
                "// A2 AMS: humidity 5 (14%), 27.1C, feeds left nozzle",
                "// A2 S0: PLA 898989FF P6f52551 190-240C remain unknown",
                "// A2 S1: PLA 000000FF GFA01 190-230C remain 39%",
                "// A2 S2: empty",
                "// A2 S3: PLA A03CF7FF GFL99 190-240C remain unknown",
                "// A3 AMS 2 Pro: humidity 5 (13%), 27.2C, dryer off, feeds left nozzle",
                "// A3 S0: PETG 00000000 GFG00 220-270C remain 32%",
                "// A3 S1: PETG 898989FF Pf13038b 220-270C remain unknown",
                "// A3 S2: empty",
                "// A3 S3: ASA 000000FF P5d12650 240-280C remain unknown",
                "// A128 AMS HT: humidity 0 (31%), 28.5C, dryer off, feeds right nozzle",
                "// A128 S0: PLA 161616FF P6f52551 190-240C remain unknown",
                "// A129 AMS HT: humidity 0 (24%), 27.2C, dryer off, feeds right nozzle",
                "// A129 S0: PETG 000000FF Pf13038b 220-270C remain unknown",
                "// A254 external left: PLA 76D9F4FF GFA01 190-240C remain 0%",
                "// A255 external right: TPU 9B9EA0FF GFU00 200-250C remain 0%",
                "// loaded: right A255, left none",
                "// AMS state: assist, read on insertion on, read at power-on off, estimate remaining on",
                "ok",
            ])
    }

    @Test func x1AMSHTOnly() throws {
        var harness = try SessionHarness(model: .x1, fixture: "x1_amsht_only_with_hms.json")
        #expect(
            harness.status() == [
                "// A128 AMS HT: humidity 3, 29.6C",
                "// A128 S0: PLA F7D959FF GFA01 190-230C remain 65%",
                "// A254 external: PLA FFFFFFFF GFL99 190-240C remain 0%",
                "// loaded: A128 S0",
                "// AMS state: assist, read on insertion on, read at power-on off, estimate remaining on",
                "ok",
            ])
    }

    @Test func p1pWithoutAMS() throws {
        var harness = try SessionHarness(model: .p1p, fixture: "p1p_no_ams_pushall.json")
        #expect(
            harness.status() == [
                "// no AMS",
                "// A254 external: PETG BCBCBCFF GFSNL08 230-280C remain 0%",
                "// loaded: A254",
                "// AMS state: idle, read on insertion on, read at power-on off, estimate remaining off",
                "ok",
            ])
    }
}

extension String {
    /// The same request with another sequence id (later requests of one session count up from 3).
    fileprivate func replacingSequence(_ id: Int) -> String {
        replacing(#""sequence_id":"3""#, with: #""sequence_id":"\#(id)""#)
    }
}
