// SPDX-License-Identifier: AGPL-3.0-or-later
// serial-host.md §18 checks 1–7 against the core, byte for byte.

import BambuModel
import BridgeCore
import Testing

@Suite struct HostProtocolTests {
    @Test func check1HelloBurst() {
        var harness = SessionHarness()
        #expect(harness.send("N0 M110 N0*125\nN0 M110 N0*125\n") == "ok\nok\n")
        #expect(harness.published.isEmpty)
    }

    @Test(arguments: ["\n", "\r\n", "   \n", "; comment\n", "\r", "\t\n"])
    func check2BlankLinesProduceNothing(input: String) {
        var harness = SessionHarness()
        #expect(harness.send(input) == "")
    }

    @Test func check3FirmwareInfo() throws {
        var harness = SessionHarness(model: .p1s, serial: "01P00A000000000")
        harness.line("N0 M110 N0*125")
        let reply = harness.line("N1 M115*39")
        let lines = reply.split(separator: "\n").map(String.init)
        let first = try #require(lines.first)
        #expect(
            first
                == "FIRMWARE_NAME:bambu-serial 0.1.0 (Marlin compatible) SOURCE_CODE_URL:https://github.com/bambu-serial/bambu-serial PROTOCOL_VERSION:1.0 MACHINE_TYPE:Bambu Lab P1S EXTRUDER_COUNT:1 UUID:\(SessionConfiguration(printerName: "test", serial: "01P00A000000000", model: .p1s).firmwareUUID)"
        )
        let forbidden = ["repetier", "anet_a8", "reprapfirmware", "malyan", "teacup", "klipper", "ultimaker2", "prusa-firmware"]
        #expect(!forbidden.contains { first.lowercased().contains($0) })
        #expect(lines.last == "ok")
        let caps = lines.dropFirst().dropLast()
        #expect(caps.count >= 1)
        #expect(caps.allSatisfy { $0.hasPrefix("Cap:") })
        #expect(caps.contains("Cap:AUTOREPORT_TEMP:1"))
        #expect(caps.contains("Cap:THERMAL_PROTECTION:1"))
        #expect(caps.contains("Cap:EMERGENCY_PARSER:1"))
        #expect(caps.contains("Cap:CHAMBER_TEMPERATURE:0"))
        #expect(caps.contains("Cap:AUTOREPORT_POS:0"))
    }

    @Test func uuidIsStablePerSerial() {
        let one = SessionConfiguration(printerName: "a", serial: "00M00A000000001", model: .x1c).firmwareUUID
        let again = SessionConfiguration(printerName: "b", serial: "00M00A000000001", model: .x1c).firmwareUUID
        let other = SessionConfiguration(printerName: "a", serial: "00M00A000000002", model: .x1c).firmwareUUID
        #expect(one == again)
        #expect(one != other)
        #expect(one.count == 36)
    }

    @Test func check4WrongChecksum() {
        var harness = SessionHarness()
        harness.line("N0 M110 N0*125")
        harness.line("N1 M115*39")
        harness.writes.removeAll()
        #expect(harness.line("N2 M105*99") == "Error:checksum mismatch, Last Line: 1\nResend:2\nok\n")
        #expect(harness.writes.count == 1)
    }

    @Test func check4MissingChecksum() {
        var harness = SessionHarness()
        harness.line("N0 M110 N0*125")
        #expect(harness.line("N1 M105") == "Error:No Checksum with line number, Last Line: 0\nResend:1\nok\n")
    }

    @Test func check4SkippedNumber() {
        var harness = SessionHarness()
        harness.line("N0 M110 N0*125")
        #expect(
            harness.line("N4 M105*32")
                == "Error:Line Number is not Last Line Number+1, Last Line: 0\nResend:1\nok\n")
    }

    @Test func check4CrossedDuplicateNotExecuted() {
        var harness = SessionHarness()
        harness.line("N0 M110 N0*125")
        harness.line("N1 M104 S200*\(checksum("N1 M104 S200"))")
        #expect(harness.takePublished().count == 1)
        #expect(harness.line("N1 M104 S200*\(checksum("N1 M104 S200"))") == "ok\n")
        #expect(harness.takePublished().isEmpty)
    }

    @Test func check4PrintrunStart() {
        var harness = SessionHarness()
        #expect(harness.line("N-1 M110 N-1*125") == "ok\n")
        #expect(harness.line("N0 M105*39").hasPrefix("ok T:"))
    }

    @Test func check5NoSpaceForm() {
        var harness = SessionHarness()
        harness.line("M110 N11")
        #expect(harness.line("N12G1 X5*118") == "ok\n")
        #expect(harness.takePublished() == [#"{"print":{"sequence_id":"3","command":"gcode_line","param":"G1 X5\n"}}"#])
    }

    @Test func check6TwoCommandsInOneWrite() {
        var harness = SessionHarness()
        #expect(harness.send("M400\nM105\n") == "ok\nok T:0.0 /0.0 B:0.0 /0.0 C:0.0 /0.0 @:0 B@:0\n")
    }

    @Test func check6NoOkWithoutACommand() {
        var harness = SessionHarness()
        harness.line("M155 S2")
        harness.hostOutput = ""
        harness.advance(.seconds(3600))
        let lines = harness.hostOutput.split(separator: "\n")
        #expect(lines.count == 1800)
        #expect(!lines.contains { $0.hasPrefix("ok") })
    }

    @Test func check7AutoreportEverySecondAndWhileOffline() {
        var harness = SessionHarness()
        #expect(harness.line("M155 S1") == "ok\n")
        #expect(harness.advance(.milliseconds(999)) == "")
        #expect(harness.advance(.milliseconds(1)) == "T:0.0 /0.0 B:0.0 /0.0 C:0.0 /0.0 @:0 B@:0\n")
        harness.handle(.linkDown(reason: "test", permanent: false))
        #expect(harness.advance(.seconds(3)).split(separator: "\n").count == 3)
        #expect(harness.line("M155 S0") == "ok\n")
        #expect(harness.advance(.seconds(10)) == "")
    }

    @Test func overlongLineGetsAMessageAndOk() {
        var harness = SessionHarness()
        let reply = harness.send(String(repeating: "A", count: 5000) + "\n")
        #expect(reply == "echo:line of 5000 bytes is longer than 4096 bytes; ignored\nok\n")
        #expect(harness.line("M400") == "ok\n")
    }

    @Test func binaryGarbageIsAnsweredNotFatal() {
        var harness = SessionHarness()
        let reply = harness.handle(.hostBytes([0x00, 0xFF, 0xFE, 0x10, 0x0A]))
        #expect(reply == "echo:Unknown command: \"????\"\nok\n")
    }

    @Test func hostReattachStartsClean() {
        var harness = SessionHarness()
        harness.line("N0 M110 N5*\(checksum("N0 M110 N5"))")
        harness.line("M155 S1")
        harness.handle(.hostDetached)
        harness.handle(.hostAttached)
        #expect(harness.advance(.seconds(5)) == "")
        #expect(harness.line("N1 M105*38").hasPrefix("ok T:"))
    }

    private func checksum(_ text: String) -> Int { Int(text.utf8.reduce(0) { $0 ^ $1 }) }
}
