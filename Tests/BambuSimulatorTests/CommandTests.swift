// SPDX-License-Identifier: AGPL-3.0-or-later
// Acknowledgements and the effects of temperature, fan, speed, light and extruder commands.

import BambuModel
import BambuSimulator
import Testing

@Suite struct CommandTests {
    static let models: [PrinterModel] = [.x1c, .p1s, .a1, .h2d]

    @Test func gcodeLineAcknowledgementEchoesTheRequest() throws {
        var harness = SimulatorHarness(.x1c)
        let answer = harness.send(raw: ["print": ["sequence_id": "7", "command": "gcode_line", "param": "M104 S215\n"]])
        #expect(answer.count == 2)
        let expected: JSONValue = [
            "print": [
                "command": "gcode_line", "sequence_id": "7", "result": "success", "param": "M104 S215\n", "reason": "",
            ]
        ]
        #expect(answer.first == expected)
        #expect(answer.last?["print"]?["command"] == "push_status")
        #expect(answer.last?["print"]?["nozzle_target_temper"]?.doubleValue == 215)
    }

    @Test func commandWithoutVisibleEffectGetsOnlyTheAcknowledgement() throws {
        var harness = SimulatorHarness(.p1s)
        let answer = harness.send(.gcodeLine("G1 X10 F3000"))
        #expect(
            answer == [
                [
                    "print": [
                        "command": "gcode_line", "sequence_id": "103", "result": "success",
                        "param": "G1 X10 F3000\n", "reason": "",
                    ]
                ]
            ])
        let unknown = harness.send(raw: ["print": ["sequence_id": "9", "command": "made_up_command", "obj_list": [206]]])
        #expect(
            unknown == [
                [
                    "print": [
                        "command": "made_up_command", "sequence_id": "9", "result": "success",
                        "obj_list": [206], "reason": "",
                    ]
                ]
            ])
    }

    @Test(arguments: models)
    func nozzleHeatsTo215WithinTwoMinutes(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        harness.send(.gcodeLine("M104 S215"))
        #expect(harness.printer.nozzleTargets.first == 215)
        #expect(harness.state.nozzleTemperatures.first?.target == 215)
        var readings: [Double] = []
        for _ in 0..<120 {
            harness.run(seconds: 1)
            readings.append(try #require(harness.state.nozzleTemperatures.first?.current))
        }
        #expect(zip(readings, readings.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(readings.contains { $0 > 60 && $0 < 200 })
        #expect(readings[9] > 50 && readings[9] < 80)  // about 4 °C/s
        #expect(abs(try #require(readings.last) - 215) <= 1)
    }

    @Test(arguments: models)
    func bedHeatsTo60AndCoolsBack(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        harness.send(.gcodeLine("M140 S60"))
        #expect(harness.state.bedTemperature?.target == 60)
        let seconds = harness.run(upTo: 120) { abs(($0.bedTemperature?.current ?? 0) - 60) <= 0.5 }
        #expect(seconds.map { $0 > 30 } == true)
        harness.send(.gcodeLine("M140 S0"))
        harness.run(seconds: 60)
        let bed = try #require(harness.state.bedTemperature)
        #expect(bed.target == 0 && bed.current < 59 && bed.current > 25)
    }

    @Test(arguments: models)
    func partFanAtHalfSpeed(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        harness.send(.gcodeLine("M106 P1 S128"))
        #expect(harness.state.print["cooling_fan_speed"] == "8")
        #expect(harness.state.fanPercent(.part) == 50)
        harness.send(.gcodeLine("M107"))
        #expect(harness.state.print["cooling_fan_speed"] == "0")
        #expect(harness.state.fanPercent(.part) == 0)
    }

    @Test func fansTheModelLacksAreIgnored() throws {
        var a1 = SimulatorHarness(.a1)
        let answer = a1.send(.gcodeLine("M106 P2 S255\nM106 P3 S255"))
        #expect(answer.count == 1)
        #expect(a1.state.fanPercent(.auxiliary) == 0)
        var x1c = SimulatorHarness(.x1c)
        x1c.send(.gcodeLine("M106 P2 S255\nM106 P3 S51"))
        #expect(x1c.state.print["big_fan1_speed"] == "15")
        #expect(x1c.state.print["big_fan2_speed"] == "3")
        #expect(x1c.state.fanPercent(.auxiliary) == 100)
    }

    @Test(arguments: models)
    func sportSpeed(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        let answer = harness.send(.printSpeed(level: 3))
        #expect(
            answer.first == [
                "print": [
                    "command": "print_speed", "sequence_id": "103", "result": "success",
                    "param": "3", "reason": "",
                ]
            ])
        #expect(harness.state.speedLevel == 3)
        #expect(harness.state.speedPercent == 124)
        harness.send(.printSpeed(level: 4))
        #expect(harness.state.speedPercent == 166)
    }

    @Test(arguments: models)
    func chamberLightOn(model: PrinterModel) throws {
        var harness = SimulatorHarness(model)
        let answer = harness.send(.ledControl(node: "chamber_light", mode: "on"))
        let expected: JSONValue = [
            "system": [
                "command": "ledctrl", "sequence_id": "103", "result": "success", "led_node": "chamber_light",
                "led_mode": "on", "led_on_time": 500, "led_off_time": 500, "loop_times": 0, "interval_time": 0,
                "reason": "",
            ]
        ]
        #expect(answer.first == expected)
        #expect(answer.count == 2)
        #expect(harness.state.lights["chamber_light"] == "on")
    }

    @Test func h2dHeatsTheNamedExtruderOnly() throws {
        var harness = SimulatorHarness(.h2d)
        harness.send(.gcodeLine("M104 S220 T1"))
        #expect(harness.printer.nozzleTargets == [0, 220])
        harness.run(seconds: 120)
        let nozzles = harness.state.nozzleTemperatures
        #expect(nozzles.count == 2)
        #expect(nozzles.first == Temperature(current: 25, target: 0))
        #expect(nozzles.last == Temperature(current: 220, target: 220))
        // nozzle_temper follows the active (right) extruder.
        #expect(harness.state.print["nozzle_temper"]?.doubleValue == 25)
    }

    @Test func h2dSelectExtruderChangesTheActiveOne() throws {
        var harness = SimulatorHarness(.h2d)
        #expect(harness.state.activeExtruder == 0)
        let answer = harness.send(.selectExtruder(1))
        #expect(
            answer.first == [
                "print": [
                    "command": "select_extruder", "sequence_id": "103", "result": "success",
                    "extruder_index": 1, "reason": "",
                ]
            ])
        #expect(harness.state.activeExtruder == 1)
        #expect(harness.state.print["device"]?["extruder"]?["state"] == 0x12)
        harness.send(.gcodeLine("M104 S200"))
        #expect(harness.printer.nozzleTargets == [0, 200])
        let refused = harness.send(.selectExtruder(2))
        #expect(refused.first?["print"]?["result"] == "failed")
        #expect(harness.state.activeExtruder == 1)
    }

    @Test func chamberTargetOnlyWithAHeater() throws {
        var h2d = SimulatorHarness(.h2d)
        h2d.send(.chamberTarget(45))
        #expect(h2d.state.chamberTemperature?.target == 45)
        h2d.send(.gcodeLine("M141 S50"))
        #expect(h2d.state.chamberTemperature?.target == 50)
        h2d.run(seconds: 30)
        #expect((h2d.state.chamberTemperature?.current ?? 0) > 27)
        var x1c = SimulatorHarness(.x1c)
        #expect(x1c.send(.gcodeLine("M141 S50")).count == 1)
        #expect(x1c.send(.chamberTarget(50)).count == 1)
    }

    @Test func homingSetsTheHomedBits() throws {
        var harness = SimulatorHarness(.p1s)
        #expect((harness.state.homeFlag ?? 0) & 0x7 == 0)
        harness.send(.gcodeLine("G28"))
        #expect((harness.state.homeFlag ?? 0) & 0x7 == 0x7)
    }

    @Test(arguments: [
        JSONValue.null, 5, "print", [], [:], ["print": 1], ["print": [:]], ["print": ["command": 5]],
        ["print": ["command": "pause"], "system": ["command": "ledctrl"]], [["print": ["command": "pause"]]],
    ])
    func garbageRequestsAreIgnored(request: JSONValue) {
        var printer = SimulatedPrinter(name: "robust", model: .x1c, serial: "SIM0004")
        #expect(printer.handle(request: request, at: .seconds(1)).isEmpty)
    }

    @Test func garbageParametersDoNotTrap() throws {
        var harness = SimulatorHarness(.h2d)
        let lines = "M104 S1e999 T1e300\nM106 P9e99 S-5\nM104 T7 S200\nM140 Sabc\n;only a comment\nN5 M140 S50*12\n"
        let answer = harness.send(.gcodeLine(lines))
        #expect(answer.first?["print"]?["result"] == "success")
        #expect(harness.printer.nozzleTargets == [0, 0])
        #expect(harness.state.bedTemperature?.target == 50)
        let speed = harness.send(raw: ["print": ["sequence_id": 3, "command": "print_speed", "param": ["x"]]])
        #expect(
            speed == [
                [
                    "print": [
                        "command": "print_speed", "sequence_id": 3, "result": "success", "param": ["x"],
                        "reason": "",
                    ]
                ]
            ])
        #expect(
            harness.send(raw: ["system": ["command": "ledctrl", "led_mode": 1]]).first?["system"]?["result"]
                == "failed")
    }
}
