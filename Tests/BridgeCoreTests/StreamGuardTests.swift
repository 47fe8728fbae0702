// SPDX-License-Identifier: AGPL-3.0-or-later
// serial-host.md §9.12: a print streamed from the host is refused, not acked into nowhere.

import BridgeCore
import Testing

@Suite struct StreamGuardTests {
    @Test func manualMovesAreSent() {
        var harness = SessionHarness()
        for index in 0..<20 {
            #expect(harness.line("G1 X\(index) F3000") == "ok\n")
            harness.advance(.seconds(1))
        }
        #expect(harness.takePublished().count == 20)
    }

    @Test func aStreamedPrintIsRefusedAndCancelledOnce() {
        var harness = SessionHarness()
        var output = ""
        for index in 0..<40 {
            output += harness.line("G1 X\(index) Y\(index) E0.1")
            harness.advance(.milliseconds(20))
        }
        let published = harness.takePublished()
        #expect(published.count == StreamGuard.threshold - 1, "only the moves before the stream was recognised go out")
        #expect(
            output.split(separator: "\n").filter { $0 == "//action:cancel" }.count == 1
                && output.contains(
                    "//action:notification test: printing from the host's own storage is not supported; upload the file to the printer (SD card) and print it from there\n"
                ))
        #expect(output.split(separator: "\n").filter { $0 == "ok" }.count == 40, "every line still gets exactly one ok")
        // Other codes keep working during the refusal.
        #expect(harness.line("M106 S255") == "ok\n")
        #expect(harness.takePublished().count == 1)
    }

    @Test func movesAreSentAgainAfterTheHostWasQuiet() {
        var harness = SessionHarness()
        for _ in 0..<12 { harness.line("G1 X1 E1") }
        _ = harness.takePublished()
        harness.advance(.seconds(10))
        #expect(harness.line("G1 X2") == "ok\n")
        #expect(harness.takePublished().isEmpty, "still within the quiet time")
        harness.advance(.seconds(31))
        #expect(harness.line("G28") == "ok\n")
        #expect(harness.line("G1 X5") == "ok\n")
        #expect(harness.takePublished().count == 2)
    }
}
