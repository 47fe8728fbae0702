// SPDX-License-Identifier: AGPL-3.0-or-later
// Full reports, version answers and the P1/A1 delta style, read through the bridge's merge.

import BambuModel
import BambuSimulator
import Testing

@Suite struct ReportTests {
    /// What an idle printer of each model must look like to the bridge.
    struct Idle: Sendable, CustomTestStringConvertible {
        var model: PrinterModel
        var chamber: Double
        var stage: Int
        var ams: [AMSKind]
        var externalHolders: [Int]
        var sendsFunction: Bool
        var testDescription: String { model.rawValue }
    }

    @Test(arguments: [
        Idle(model: .x1c, chamber: 26, stage: -1, ams: [.ams, .amsHT], externalHolders: [254], sendsFunction: true),
        Idle(model: .p1s, chamber: 5, stage: 255, ams: [.ams], externalHolders: [254], sendsFunction: false),
        Idle(model: .a1, chamber: 5, stage: 255, ams: [.amsLite], externalHolders: [254], sendsFunction: false),
        Idle(
            model: .h2d, chamber: 26, stage: -1, ams: [.ams2Pro, .amsHT], externalHolders: [254, 255],
            sendsFunction: true),
    ])
    func fullReportParsesIntoTheIdleState(expected: Idle) throws {
        let printer = SimulatedPrinter(name: "idle", model: expected.model, serial: "SIM0001")
        let report = printer.fullReport()
        var state = PrinterState()
        #expect(state.apply(report) == [.status])

        let body = try #require(report.body)
        #expect(body["command"] == "push_status")
        #expect(body["msg"] == 0)
        #expect((body["fun"] != nil) == expected.sendsFunction)

        let nozzles = state.nozzleTemperatures
        #expect(nozzles.count == expected.model.capabilities.nozzleCount)
        #expect(nozzles.allSatisfy { (24...26).contains($0.current) && $0.target == 0 })
        let bed = try #require(state.bedTemperature)
        #expect((24...26).contains(bed.current) && bed.target == 0)
        #expect(state.chamberTemperature?.current == expected.chamber)
        #expect(state.gcodeState == "IDLE")
        #expect(state.stage == expected.stage)
        #expect(state.progressPercent == 0)
        #expect(state.layer == 0)
        #expect(state.printError == 0)
        #expect(state.hms.isEmpty)
        #expect(state.speedLevel == 2)
        #expect(state.speedPercent == 100)
        #expect(state.fanPercent(.part) == 0)
        #expect(state.lights["chamber_light"] == "off")
        #expect(state.sdCardPresent == true)
        #expect(state.signatureRequired == false)
        #expect(state.nozzleDiameter == "0.4")
        #expect(state.wifiSignal?.hasSuffix("dBm") == true)
        #expect(state.activeExtruder == 0)

        let unit = try #require(state.amsUnits.first)
        #expect(state.amsUnits.map(\.kind) == expected.ams)
        #expect(unit.trays.count == 4)
        #expect(unit.trays.first?.material == "PLA")
        #expect(unit.trays.first?.nozzleTempMax == 230)
        #expect(state.trayNow == 255)
        #expect(state.externalSpools.map(\.id) == expected.externalHolders)
    }

    @Test(arguments: PrinterModel.allCases)
    func everyModelReportsItsHardware(model: PrinterModel) throws {
        let printer = SimulatedPrinter(name: "any", model: model, serial: "SIM0002")
        var state = PrinterState()
        _ = state.apply(printer.fullReport())
        _ = state.apply(printer.versionReport(sequenceID: "1"))
        let capabilities = model.capabilities
        #expect(state.nozzleTemperatures.count == capabilities.nozzleCount)
        #expect(state.productName == model.productName)
        #expect(state.firmwareVersion?.split(separator: ".").count == 4)
        #expect(state.gcodeState == "IDLE")
        #expect((state.lights["work_light"] != nil) == capabilities.workLight)
        #expect((state.lights["chamber_light2"] != nil) == capabilities.secondChamberLight)
        let hasDevice = capabilities.nozzleCount > 1 || model == .h2s || model == .p2s
        #expect((state.print["device"] != nil) == hasDevice)
        #expect((state.print["device"]?["ctc"] != nil) == (hasDevice && capabilities.chamberHeater))
        if model == .p1p {
            #expect(state.amsUnits.isEmpty)
            #expect(state.trayNow == 254)
            #expect(state.externalSpools.first?.material == "PLA")
        } else {
            #expect(state.amsUnits.allSatisfy { $0.kind.map(capabilities.amsKinds.contains) == true })
            #expect(state.amsUnits.first?.kind == capabilities.amsKinds.first || model == .h2d)
        }
    }

    @Test func versionReportListsOTABoardAndAMS() throws {
        let answer = SimulatorHarness(.a1mini).printer.versionReport(sequenceID: "17")
        let info = try #require(answer["info"])
        #expect(info["command"] == "get_version")
        #expect(info["sequence_id"] == "17")
        let modules = try #require(info["module"]?.arrayValue)
        #expect(modules.first?["name"] == "ota")
        #expect(modules.first?["product_name"] == "Bambu Lab A1 mini")
        #expect(modules.first?["sw_ver"] == "01.07.02.00")
        #expect(modules.contains { $0["name"] == "esp32" && $0["project_name"] == "N1" })
        #expect(modules.contains { $0["name"] == "ams_f1/0" && $0["product_name"] == "AMS Lite" })
    }

    @Test func getVersionAndPushallAreAnsweredWithoutAcknowledgement() throws {
        var harness = SimulatorHarness(.x1c)
        let version = harness.send(.getVersion)
        #expect(version.count == 1)
        #expect(version.first?["info"]?["sequence_id"] == "103")
        #expect(version.first?["info"]?["module"] != nil)
        let full = harness.send(.pushAll)
        #expect(full.count == 1)
        #expect(full.first?["print"]?["msg"] == 0)
        #expect(full.first?["print"]?["ams"] != nil)
        #expect(harness.state.productName == "Bambu Lab X1 Carbon")
    }

    @Test func p1sPeriodicReportsAreSmallDeltas() throws {
        var harness = SimulatorHarness(.p1s)
        let reports = harness.run(seconds: 5)
        var signals: [JSONValue] = []
        for report in reports {
            let body = try #require(report.body)
            #expect(body.keys == ["wifi_signal", "command", "msg", "sequence_id"])
            #expect(body["ams"] == nil)
            #expect(body["msg"] == 1)
            signals.append(try #require(body["wifi_signal"]))
        }
        #expect(zip(signals, signals.dropFirst()).allSatisfy { $0 != $1 })

        harness.send(.gcodeLine("M104 S215"))
        let heating = try #require(harness.run(seconds: 1).first?.body)
        #expect(heating["nozzle_temper"] != nil)
        #expect(heating["heatbreak_fan_speed"] == nil)
        #expect(heating["ams"] == nil)
        #expect(heating["bed_temper"] == nil)
        // The bridge's merged view still holds everything from the pushall.
        #expect(harness.state.amsUnits.count == 1)
        #expect(harness.state.externalSpools.count == 1)
        #expect(harness.state.nozzleTemperatures.first?.target == 215)
    }

    @Test func p1sDeltaCarriesOnlyTheChangedPartOfAnObject() throws {
        var harness = SimulatorHarness(.p1s)
        harness.control(.set(key: "xcam", value: ["buildplate_marker_detector": false]))
        let delta = try #require(harness.published.last?.body)
        #expect(delta["xcam"] == ["buildplate_marker_detector": false])
        harness.send(.ledControl(node: "chamber_light", mode: "on"))
        let lights = try #require(harness.published.last?.body)
        #expect(lights["lights_report"] == [["node": "chamber_light", "mode": "on"]])
        #expect(Set(lights.keys) == ["lights_report", "wifi_signal", "command", "msg", "sequence_id"])
    }

    @Test func firstPeriodicReportOfADeltaModelCarriesEverything() throws {
        var printer = SimulatedPrinter(name: "fresh", model: .a1, serial: "SIM0003")
        let first = try #require(printer.periodicReport().body)
        #expect(first["ams"] != nil && first["msg"] == 1)
        let second = try #require(printer.periodicReport().body)
        #expect(second["ams"] == nil)
    }

    @Test func x1cPeriodicReportsAreFullObjects() throws {
        var harness = SimulatorHarness(.x1c)
        let reports = harness.run(seconds: 3)
        let sequence = try reports.map { try #require($0.body?["sequence_id"]?.intValue) }
        #expect(zip(sequence, sequence.dropFirst()).allSatisfy { $0 + 1 == $1 })
        for report in reports {
            let body = try #require(report.body)
            #expect(body["msg"] == 1)
            #expect(body["ams"] != nil && body["nozzle_temper"] != nil && body["fun"] == "3EC18FFF9CFF")
            #expect(body["hms"] == [])
        }
    }

    @Test func h2dReportsPackedTemperaturesAndExtruderState() throws {
        let body = try #require(SimulatorHarness(.h2d).printer.fullReport().body)
        let extruder = try #require(body["device"]?["extruder"])
        #expect(extruder["state"] == 2)
        #expect(extruder["info"]?.arrayValue?.map { $0["temp"] } == [25, 25])
        #expect(body["device"]?["ctc"]?["info"]?["temp"] == 26)
        #expect(body["vir_slot"]?.arrayValue?.map { $0["id"] } == ["254", "255"])
        #expect(body["vt_tray"] == nil)
    }
}
