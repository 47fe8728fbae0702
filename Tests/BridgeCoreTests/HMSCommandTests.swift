// SPDX-License-Identifier: AGPL-3.0-or-later
// M8103 and the HMS / print-error notices, with and without the vendor's text table.

import BambuModel
import BridgeCore
import BridgeTestSupport
import Testing

@Suite struct HMSCommandTests {
    /// The real endpoint answer from the shared fixtures.
    static func realTable() throws -> HMSTextTable {
        try HMSTextTable(parsing: Fixtures.readGzip(Fixtures.hmsPath("query-en.json.gz")), language: "en")
    }

    /// The `pushall` of a report fixture as one MQTT message.
    static func pushall(_ name: String) throws -> String {
        let document = try JSONValue(parsing: Fixtures.readBytes(Fixtures.reportPath(name)))
        return try #require(document["pushall"]).serialized
    }

    static let firstLayerText =
        "Possible first layer defects have been detected. Please check the first layer quality and decide if the job should be stopped."

    @Test func x1FixtureWithTexts() throws {
        var harness = SessionHarness(model: .x1c)
        harness.handle(.hmsTexts(try Self.realTable()))
        harness.report(try Self.pushall("x1_amsht_only_with_hms.json"))
        harness.line("M105")  // the host talks first: the adopted job is announced before M8103
        #expect(
            harness.line("M8103")
                == "// HMS 0C00_0300_0003_0007 common camera/LiDAR: \(Self.firstLayerText) https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0C00_0300_0003_0007\n"
                + "// print error: none\nok\n")
    }

    @Test func x1FixtureWithoutTexts() throws {
        var harness = SessionHarness(model: .x1c)
        harness.report(try Self.pushall("x1_amsht_only_with_hms.json"))
        harness.line("M105")  // the host talks first: the adopted job is announced before M8103
        #expect(
            harness.line("M8103")
                == "// HMS 0C00_0300_0003_0007 common camera/LiDAR: no description loaded https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0C00_0300_0003_0007\n"
                + "// print error: none\n"
                + "// HMS texts not loaded: run `bambu-serial hms-update` and reload the daemon\nok\n")
    }

    @Test func x2dFixtureWithAndWithoutTexts() throws {
        var harness = SessionHarness(model: .x2d, serial: "20P00A000000000")
        harness.report(try Self.pushall("x2d_pushall_with_hms.json"))
        harness.line("M105")
        #expect(
            harness.line("M8103")
                == "// HMS 0500_0600_0002_0070 serious mainboard: no description loaded https://wiki.bambulab.com/en/x2d/troubleshooting/hmscode/0500_0600_0002_0070\n"
                + "// print error: none\n"
                + "// HMS texts not loaded: run `bambu-serial hms-update` and reload the daemon\nok\n")
        harness.handle(.hmsTexts(try Self.realTable()))
        #expect(
            harness.line("M8103")
                == "// HMS 0500_0600_0002_0070 serious mainboard: internal error (no description from the vendor) https://wiki.bambulab.com/en/x2d/troubleshooting/hmscode/0500_0600_0002_0070\n"
                + "// print error: none\nok\n")
    }

    @Test func noEntriesAndAPrintError() throws {
        var harness = SessionHarness(model: .p1s, online: false, serial: "01P00A000000000")
        harness.handle(.hmsTexts(try Self.realTable()))
        harness.report(#"{"print":{"command":"push_status","gcode_state":"FAILED","hms":[],"print_error":50348044}}"#)
        #expect(
            harness.line("M8103")
                == "// no active HMS entries\n// print error 0300_400C motion controller: The task was canceled.\nok\n")
        harness.report(#"{"print":{"command":"push_status","print_error":117473286}}"#)
        #expect(harness.line("M8103").hasPrefix("// no active HMS entries\n// print error 0700_8006 AMS: Unable to feed filament"))
    }

    @Test func newEntryNoticeCarriesTheText() throws {
        var harness = SessionHarness(model: .x1c)
        harness.line("M105")
        harness.handle(.hmsTexts(try Self.realTable()))
        let raised = harness.report(#"{"print":{"command":"push_status","hms":[{"attr":201327360,"code":196615}]}}"#)
        #expect(
            raised
                == "//action:notification test: HMS 0C00_0300_0003_0007 (camera/LiDAR, common): \(Self.firstLayerText)\n")
        #expect(harness.report(#"{"print":{"command":"push_status","hms":[{"attr":201327360,"code":196615}]}}"#) == "")
        #expect(
            harness.report(#"{"print":{"command":"push_status","hms":[]}}"#)
                == "//action:notification test: HMS 0C00_0300_0003_0007 cleared\n")
        #expect(harness.report(#"{"print":{"command":"push_status","hms":[]}}"#) == "")
    }

    /// 25 entries raised in one report: ten notices one by one and one counting the other 15 (M8103
    /// lists all 25); cleared in one report: the same.
    @Test func manyEntriesInOneReportAreNoticedTenByOneAndTheRestCounted() {
        var harness = SessionHarness(model: .x1c)
        harness.line("M105")
        let entries = (0..<25).map { #"{"attr":50331904,"code":\#(65536 + $0)}"# }.joined(separator: ",")
        let raised = harness.report(#"{"print":{"command":"push_status","hms":[\#(entries)]}}"#).split(separator: "\n")
        #expect(raised.count == 11)
        #expect(raised.first == "//action:notification test: HMS 0300_0100_0001_0000 (motion controller, fatal): see https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/0300_0100_0001_0000")
        #expect(raised.prefix(10).allSatisfy { $0.hasPrefix("//action:notification test: HMS 0300_0100_0001_000") })
        #expect(raised.last == "//action:notification test: 15 more new HMS entries (M8103 lists them)")
        #expect(harness.line("M8103").split(separator: "\n").filter { $0.contains("0300_0100_0001_00") }.count == 25)
        let cleared = harness.report(#"{"print":{"command":"push_status","hms":[]}}"#).split(separator: "\n")
        #expect(cleared.count == 11)
        #expect(cleared.first == "//action:notification test: HMS 0300_0100_0001_0000 cleared")
        #expect(cleared.last == "//action:notification test: 15 more HMS entries cleared")
    }

    @Test func newEntryNoticeWithoutTextLinksTheWiki() {
        var harness = SessionHarness(model: .h2d, serial: "09400A000000000")
        harness.line("M105")
        #expect(
            harness.report(#"{"print":{"command":"push_status","hms":[{"attr":50331904,"code":65543}]}}"#)
                == "//action:notification test: HMS 0300_0100_0001_0007 (motion controller, fatal): see https://wiki.bambulab.com/en/h2/troubleshooting/hmscode/0300_0100_0001_0007\n"
        )
    }

    @Test func stoppedJobNoticeCarriesThePrintErrorText() throws {
        var harness = SessionHarness(model: .x1c)
        harness.line("M105")
        harness.handle(.hmsTexts(try Self.realTable()))
        harness.report(#"{"print":{"command":"push_status","gcode_state":"RUNNING","subtask_name":"cube","mc_percent":5}}"#)
        let stopped = harness.report(#"{"print":{"command":"push_status","gcode_state":"FAILED","print_error":50348044}}"#)
        #expect(stopped.contains("//action:notification test: Print stopped on printer: 0300_400C: The task was canceled.\n"))
    }
}
