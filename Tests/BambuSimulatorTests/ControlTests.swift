// SPDX-License-Identifier: AGPL-3.0-or-later
// Console controls: HMS injection, raw fields, and the Authorization Control lock.

import BambuModel
import BambuSimulator
import Testing

@Suite struct ControlTests {
    @Test(arguments: [PrinterModel.x1c, .p1s, .h2d])
    func injectedHMSReachesTheBridge(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        let reports = harness.control(.injectHMS(attribute: 0x0300_0100, code: 0x0001_0007))
        #expect(reports.count == 1)
        #expect(harness.state.hms.map(\.displayCode) == ["0300_0100_0001_0007"])
        #expect(harness.state.hms.first?.severity == .fatal)
        #expect(harness.control(.injectHMS(attribute: 0x0300_0100, code: 0x0001_0007)).isEmpty)
        harness.control(.injectHMS(attribute: 0x0C00_0300, code: 0x0003_0007))
        #expect(harness.state.hms.map(\.displayCode) == ["0300_0100_0001_0007", "0C00_0300_0003_0007"])
        harness.run(seconds: 2)
        #expect(harness.state.hms.count == 2)
        harness.control(.clearHMS)
        #expect(harness.state.hms.isEmpty)
    }

    @Test func signedCommandsLockTheControls() throws {
        var harness = SimulatorHarness(.x1c)
        harness.control(.requireSignedCommands(true))
        #expect(harness.state.signatureRequired)
        #expect(harness.state.print["fun"] == "3EC1AFFF9CFF")

        let answer = harness.send(.gcodeLine("M104 S215"))
        let expected: JSONValue = [
            "print": [
                "command": "gcode_line", "sequence_id": "103", "result": "failed", "param": "M104 S215\n",
                "reason": "mqtt message verify failed",
            ]
        ]
        #expect(answer.first == expected)
        #expect(harness.printer.nozzleTargets == [0])
        #expect(harness.state.hms.map(\.displayCode) == ["0500_0500_0001_0007"])
        #expect(harness.state.hms.first?.longCode == "0500050000010007")

        #expect(harness.send(.pause).first?["print"]?["reason"] == "mqtt message verify failed")
        #expect(harness.send(raw: JobTests.projectFile("a.3mf")).first?["print"]?["result"] == "failed")
        #expect(harness.state.gcodeState == "IDLE")

        // The chamber light, version and pushall keep working (bambu-lan.md §1.8).
        let light = harness.send(.ledControl(node: "chamber_light", mode: "on"))
        #expect(light.first?["system"]?["result"] == "success")
        #expect(harness.state.lights["chamber_light"] == "on")
        #expect(harness.send(.pushAll).first?["print"]?["msg"] == 0)

        harness.control(.requireSignedCommands(false))
        #expect(!harness.state.signatureRequired)
        #expect(harness.state.hms.isEmpty)
        harness.send(.gcodeLine("M104 S215"))
        #expect(harness.printer.nozzleTargets == [215])
    }

    @Test func modelsWithoutFunFailTheSameWayButShowNoBit() throws {
        var harness = SimulatorHarness(.p1s)
        #expect(harness.control(.requireSignedCommands(true)).isEmpty)
        #expect(!harness.state.signatureRequired)
        let answer = harness.send(.printSpeed(level: 4))
        #expect(answer.first?["print"]?["reason"] == "mqtt message verify failed")
        #expect(harness.state.speedLevel == 2)
        #expect(harness.state.hms.map(\.displayCode) == ["0500_0500_0001_0007"])
    }

    @Test func rawFieldsFromTheConsole() throws {
        var harness = SimulatorHarness(.p1s)
        harness.control(.set(key: "nozzle_temper", value: 100))
        #expect(harness.state.nozzleTemperatures.first?.current == 100)
        harness.run(seconds: 10)
        let cooled = try #require(harness.state.nozzleTemperatures.first?.current)
        #expect(cooled < 100 && cooled > 80)

        harness.control(.set(key: "cooling_fan_speed", value: "15"))
        #expect(harness.state.fanPercent(.part) == 100)
        harness.control(.set(key: "wifi_signal", value: "-90dBm"))
        #expect(harness.state.wifiSignal == "-90dBm")
        harness.control(.set(key: "gcode_state", value: "SLICING"))
        #expect(harness.state.gcodeState == "SLICING")
        #expect(harness.printer.gcodeState == "SLICING")
        harness.control(.set(key: "gcode_state", value: nil))
        harness.send(.pushAll)
        #expect(harness.state.gcodeState == "IDLE")
        harness.control(.set(key: "print_error", value: 83_935_249))
        #expect(PrintErrorCode(rawValue: harness.state.printError).displayCode == "0500_C011")
        #expect(harness.control(.set(key: "sequence_id", value: "1")).isEmpty)
    }

    @Test func timeNeverRunsBackwards() throws {
        var printer = SimulatedPrinter(name: "clock", model: .a1mini, serial: "SIM0005")
        _ = printer.handle(request: BambuRequest.gcodeLine("M104 S200").message(sequenceID: 1), at: .seconds(100))
        printer.advance(to: .seconds(110))
        printer.advance(to: .seconds(50))
        printer.advance(to: .seconds(3_700))
        var state = PrinterState()
        _ = state.apply(printer.fullReport())
        #expect(state.nozzleTemperatures.first == Temperature(current: 200, target: 200))
    }
}
