// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated AMS: loads, unloads, AMS control, dryer, tag reads, spool edits and settings, read through the bridge's merge.

import BambuModel
import BambuSimulator
import Testing

@Suite struct AMSTests {
    /// `result` and `reason` of the acknowledgement among `answer`.
    private func outcome(_ answer: [JSONValue]) -> String {
        guard let ack = answer.first?["print"] else { return "no answer" }
        let result = ack["result"]?.stringValue ?? "?"
        let reason = ack["reason"]?.stringValue ?? ""
        return reason.isEmpty ? result : result + ": " + reason
    }

    private func unit(_ state: PrinterState, _ id: Int) -> AMSUnit? { state.amsUnits.first { $0.id == id } }

    @Test func loadTakesTimeAndMovesTrayNow() throws {
        var harness = SimulatorHarness(.x1c)
        #expect(harness.state.loadedFilament == [nil])
        let answer = harness.send(
            .amsLoadFilament(amsID: 0, slotID: 1, target: 1, currentTemperature: 220, targetTemperature: 230))
        #expect(outcome(answer) == "success")
        #expect(harness.state.amsStatus == 0x100)
        #expect(harness.state.print["ams"]?["tray_tar"] == "1")
        let seconds = harness.run(upTo: 10) { $0.loadedFilament == [.ams(unit: 0, slot: 1)] }
        #expect(seconds == 4)
        #expect(harness.state.trayNow == 1)
        #expect(harness.state.amsStatus == 0)

        // The AMS HT next: tray_now is its unit id, tray_pre the slot before.
        #expect(outcome(harness.send(.amsLoadFilament(amsID: 128, slotID: 0, target: 128, currentTemperature: 230, targetTemperature: 270))) == "success")
        harness.run(seconds: 5)
        #expect(harness.state.trayNow == 128)
        #expect(harness.state.print["ams"]?["tray_pre"] == "1")

        #expect(outcome(harness.send(.amsUnloadFilament(amsID: 128, currentTemperature: 270, targetTemperature: 270))) == "success")
        harness.run(seconds: 5)
        #expect(harness.state.loadedFilament == [nil])
        #expect(harness.state.trayNow == 255)
    }

    @Test func refusesWhatAPrinterRefuses() throws {
        var harness = SimulatorHarness(.x1c)
        #expect(
            outcome(harness.send(.amsUnloadFilament(amsID: 0, currentTemperature: 220, targetTemperature: 220)))
                == "failed: no filament loaded from ams_id 0")
        #expect(
            outcome(harness.send(.amsLoadFilament(amsID: 5, slotID: 0, target: 20, currentTemperature: 220, targetTemperature: 220)))
                == "failed: ams_id 5 invalid")
        #expect(outcome(harness.send(.amsDryingStart(amsID: 0, filament: "PLA", temperature: 55, hours: 8, rotateTray: false))) == "failed: the unit has no dryer")
        #expect(outcome(harness.send(.amsDryingStart(amsID: 128, filament: "PLA", temperature: 95, hours: 8, rotateTray: false))) == "failed: temp out of range")
        #expect(outcome(harness.send(.amsReadRFID(amsID: 128, slotID: 1))) == "failed: slot_id invalid")
        #expect(outcome(harness.send(.amsUserSetting(amsID: 3, startupRead: true, trayRead: nil, calibrateRemain: nil))) == "failed: ams_id invalid")
        // An emptied slot cannot be loaded.
        let empty = SpoolSetting(
            amsID: 0, slotID: 2, trayID: 2, filamentID: "", color: "FFFFFF00", nozzleTempMin: 0, nozzleTempMax: 0, material: "")
        #expect(outcome(harness.send(.amsFilamentSetting(empty))) == "success")
        #expect(unit(harness.state, 0)?.trays[2].isEmpty == true)
        #expect(
            outcome(harness.send(.amsLoadFilament(amsID: 0, slotID: 2, target: 2, currentTemperature: 220, targetTemperature: 220)))
                == "failed: the slot is empty")
    }

    @Test func amsControlPausesResumesAndFinishesAChange() throws {
        var harness = SimulatorHarness(.x1c)
        harness.send(.amsLoadFilament(amsID: 0, slotID: 3, target: 3, currentTemperature: 220, targetTemperature: 230))
        #expect(outcome(harness.send(.amsControl("pause"))) == "success")
        #expect(harness.state.amsStatus == 0x101)
        harness.run(seconds: 8)
        #expect(harness.state.loadedFilament == [nil])
        harness.send(.amsControl("resume"))
        #expect(harness.state.amsStatus == 0x100)
        harness.send(.amsControl("done"))
        #expect(harness.state.loadedFilament == [.ams(unit: 0, slot: 3)])
        #expect(harness.state.amsStatus == 0)
        // reset cancels a change.
        harness.send(.amsUnloadFilament(amsID: 0, currentTemperature: 230, targetTemperature: 230))
        harness.send(.amsControl("reset"))
        harness.run(seconds: 6)
        #expect(harness.state.loadedFilament == [.ams(unit: 0, slot: 3)])
        #expect(outcome(harness.send(.amsControl("fly"))) == "failed: param fly invalid")
    }

    @Test func dryerRunsAndStops() throws {
        var harness = SimulatorHarness(.x1c)
        #expect(outcome(harness.send(.amsDryingStart(amsID: 128, filament: "PETG", temperature: 65, hours: 2, rotateTray: false))) == "success")
        #expect(unit(harness.state, 128)?.dryerState == 2)
        #expect(unit(harness.state, 128)?.dryMinutesLeft == 120)
        #expect(harness.state.print["ams"]?["ams"]?.arrayValue?.last?["dry_setting"] == ["dry_temperature": 65, "dry_duration": 2, "dry_filament": "PETG"])
        harness.run(seconds: 61)
        #expect(unit(harness.state, 128)?.dryMinutesLeft == 119)
        #expect(outcome(harness.send(.amsDryingStop(amsID: 128))) == "success")
        #expect(unit(harness.state, 128)?.dryerState == 0)
        #expect(unit(harness.state, 128)?.dryMinutesLeft == 0)
    }

    @Test func tagReadSetsReadingBitsThenDone() throws {
        var harness = SimulatorHarness(.x1c)
        #expect(outcome(harness.send(.amsReadRFID(amsID: 0, slotID: 2))) == "success")
        #expect(harness.state.print["ams"]?["tray_reading_bits"] == "4")
        #expect(harness.state.print["ams"]?["tray_read_done_bits"] == "1000b")
        #expect(harness.state.amsStatus == 0x200)
        harness.run(seconds: 3)
        #expect(harness.state.print["ams"]?["tray_reading_bits"] == "0")
        #expect(harness.state.print["ams"]?["tray_read_done_bits"] == "1000f")
    }

    @Test func spoolEditAndSettingsShowInReports() throws {
        var harness = SimulatorHarness(.p1s)
        let spool = SpoolSetting(
            amsID: 0, slotID: 1, trayID: 1, filamentID: "GFG99", color: "FF8800FF", nozzleTempMin: 220,
            nozzleTempMax: 270, material: "PETG")
        #expect(outcome(harness.send(.amsFilamentSetting(spool))) == "success")
        let tray = try #require(unit(harness.state, 0)?.trays[1])
        #expect(tray == AMSTray(id: 1, material: "PETG", color: "FF8800FF", remainPercent: 45, nozzleTempMin: 220, nozzleTempMax: 270, filamentID: "GFG99"))
        let external = SpoolSetting(
            amsID: 255, slotID: 0, trayID: 254, filamentID: "GFU99", color: "000000FF", nozzleTempMin: 200,
            nozzleTempMax: 250, material: "TPU")
        harness.send(.amsFilamentSetting(external))
        #expect(harness.state.externalSpools.first?.material == "TPU")

        #expect(harness.state.amsCalibratesRemaining == true)
        #expect(harness.state.amsReadsOnInsertion == true)
        #expect(harness.state.amsReadsOnPowerOn == false)
        harness.send(.amsUserSetting(amsID: 0, startupRead: true, trayRead: false, calibrateRemain: false))
        #expect(harness.state.amsCalibratesRemaining == false)
        #expect(harness.state.amsReadsOnInsertion == false)
        #expect(harness.state.amsReadsOnPowerOn == true)
    }

    @Test func twoNozzlesLoadPerExtruder() throws {
        var harness = SimulatorHarness(.h2d)
        #expect(harness.state.loadedFilament == [nil, nil])
        #expect(unit(harness.state, 0)?.extruder == 1)
        #expect(unit(harness.state, 128)?.extruder == 0)
        harness.send(.amsLoadFilament(amsID: 128, slotID: 0, target: 128, currentTemperature: 220, targetTemperature: 270))
        harness.run(seconds: 5)
        harness.send(.amsLoadFilament(amsID: 0, slotID: 2, target: 2, currentTemperature: 220, targetTemperature: 260))
        harness.run(seconds: 5)
        #expect(harness.state.loadedFilament == [.ams(unit: 128, slot: 0), .ams(unit: 0, slot: 2)])
        #expect(harness.state.print["device"]?["extruder"]?["info"]?.arrayValue?.map { $0["snow"] } == [0x8000, 2])
        // The right holder, once it has a spool, replaces the AMS HT at the right nozzle.
        harness.send(
            .amsFilamentSetting(
                SpoolSetting(
                    amsID: 255, slotID: 0, trayID: 254, filamentID: "GFL99", color: "FFFFFFFF", nozzleTempMin: 190,
                    nozzleTempMax: 240, material: "PLA")))
        #expect(outcome(harness.send(.amsLoadFilament(amsID: 255, slotID: 0, target: 255, currentTemperature: 270, targetTemperature: 240))) == "success")
        harness.run(seconds: 5)
        #expect(harness.state.loadedFilament == [.external(holder: 255), .ams(unit: 0, slot: 2)])
        #expect(harness.state.print["device"]?["extruder"]?["info"]?.arrayValue?.first?["snow"] == 0xFF00)
    }

    @Test func refusedWhilePrinting() throws {
        var harness = SimulatorHarness(.x1c)
        harness.control(.startJob(file: "a.gcode", layers: 10, duration: .seconds(60)))
        #expect(
            outcome(harness.send(.amsLoadFilament(amsID: 0, slotID: 0, target: 0, currentTemperature: 220, targetTemperature: 230)))
                == "failed: the printer is printing")
    }
}
