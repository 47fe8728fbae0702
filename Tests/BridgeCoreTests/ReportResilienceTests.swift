// SPDX-License-Identifier: AGPL-3.0-or-later
// Reports a printer should never send: oversized, malformed, wrong types. The state survives them.

import BambuModel
import BridgeCore
import GCode
import Testing

@Suite struct ReportResilienceTests {
    private let idle =
        #"{"print":{"command":"push_status","msg":0,"nozzle_temper":24.5,"nozzle_target_temper":0,"bed_temper":23.0,"bed_target_temper":0}}"#

    @Test func oversizedReportIsDroppedWithAWarningAndTheStateIsKept() {
        var harness = SessionHarness()
        harness.report(idle)
        let before = harness.session.printer
        let temperatures = harness.line("M105")
        #expect(temperatures.hasPrefix("ok T:24.5 /0.0 B:23.0 /0.0"))
        // Valid JSON, but over the limit: a huge string the merge would otherwise keep forever.
        let padding = String(repeating: "a", count: PrinterSession.reportSizeLimit)
        let huge = Array(#"{"print":{"nozzle_temper":300,"junk":"\#(padding)"}}"#.utf8)
        let effects = harness.session.handle(.report(huge), at: .zero)
        #expect(harness.session.printer == before)
        #expect(
            effects == [
                .log(
                    SessionLog(
                        .warning, "printer report too large; ignored", ["printer.name": "test", "bytes": "\(huge.count)"]))
            ])
        #expect(harness.line("M105") == temperatures)
    }

    /// Temperatures no printer reports still print as a number (an `Int` conversion of 1e300 traps).
    @Test func absurdTemperaturesAreReportedNotTrapped() {
        var harness = SessionHarness()
        harness.report(#"{"print":{"command":"push_status","nozzle_temper":1e300,"nozzle_target_temper":-1e300,"bed_temper":-0.04,"bed_target_temper":9007199254740993}}"#)
        #expect(harness.line("M105") == "ok T:100000000000000.0 /-100000000000000.0 B:0.0 /100000000000000.0 C:0.0 /0.0 @:0 B@:0\n")
    }

    @Test func reportJustUnderTheLimitIsMerged() {
        var harness = SessionHarness()
        let padding = String(repeating: "b", count: PrinterSession.reportSizeLimit - 64)
        harness.report(#"{"print":{"nozzle_temper":30,"junk":"\#(padding)"}}"#)
        #expect(harness.session.printer.nozzleTemperatures.first?.current == 30)
    }

    @Test func malformedAndMistypedReportsLeaveTheStateUsable() {
        var harness = SessionHarness()
        harness.report(idle)
        let before = harness.session.printer
        for garbage in ["", "{", #"{"print":"#, "not json", "[1,2,3]", "null", #"{"print":{"nozzle_temper":"#, "\u{0}\u{1}"] {
            #expect(harness.report(garbage) == "")
        }
        #expect(harness.session.printer == before)
        harness.report(#"{"print":{"nozzle_temper":"hot","bed_temper":[1,2],"ams":5,"hms":"x","lights_report":7}}"#)
        #expect(harness.line("M105").hasPrefix("ok T:"))
        #expect(harness.line("M115").hasSuffix("ok\n"))
    }
}
