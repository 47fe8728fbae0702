// SPDX-License-Identifier: AGPL-3.0-or-later
// Derived values read from small reports: temperatures, fans, AMS decoding, flags.

import BambuModel
import Testing

/// The derived values tolerate every report generation and never trap on odd data.
@Suite struct PrinterStateTests {
    /// A state holding one `print` body given as compact JSON.
    private func state(print body: String) throws -> PrinterState {
        var state = PrinterState()
        _ = state.apply(try JSONValue(parsing: #"{"print":"# + body + "}"))
        return state
    }

    @Test func emptyStateHasNoValues() {
        let state = PrinterState()
        #expect(state.nozzleTemperatures.isEmpty)
        #expect(state.bedTemperature == nil)
        #expect(state.chamberTemperature == nil)
        #expect(state.activeExtruder == 0)
        #expect(state.gcodeState == nil)
        #expect(state.fanPercent(.part) == nil)
        #expect(state.lights.isEmpty)
        #expect(state.printError == 0)
        #expect(state.hms.isEmpty)
        #expect(state.amsUnits.isEmpty)
        #expect(state.externalSpools.isEmpty)
        #expect(state.sdCardPresent == nil)
        #expect(!state.signatureRequired)
        #expect(state.firmwareVersion == nil)
        #expect(state.homeFlag == nil)
    }

    @Test func packedTemperaturesWinForNozzlesAndChamber() throws {
        let state = try self.state(
            print: #"{"nozzle_temper":1,"chamber_temper":2,"device":{"extruder":{"state":274,"info":["#
                + #"{"id":1,"temp":40},{"id":0,"temp":14745864}]},"ctc":{"info":{"temp":3932208}},"#
                + #""bed":{"info":{"temp":6553700}}}}"#
        )
        #expect(
            state.nozzleTemperatures == [
                Temperature(current: 264, target: 225), Temperature(current: 40, target: 0),
            ]
        )
        #expect(state.chamberTemperature == Temperature(current: 48, target: 60))
        #expect(state.bedTemperature == Temperature(current: 100, target: 100))
        #expect(state.activeExtruder == 1)
    }

    @Test func classicTemperaturesAndFallbacks() throws {
        let classic = try state(
            print: #"{"nozzle_temper":"219.5","nozzle_target_temper":220,"bed_temper":60,"chamber_temper":5}"#
        )
        #expect(classic.nozzleTemperatures == [Temperature(current: 219.5, target: 220)])
        #expect(classic.bedTemperature == Temperature(current: 60, target: 0))
        #expect(classic.chamberTemperature == Temperature(current: 5, target: 0))

        let packedBed = try state(print: #"{"device":{"bed_temp":4587590,"cham_temp":3932209,"extruder":{"info":[]}}}"#)
        #expect(packedBed.bedTemperature == Temperature(current: 70, target: 70))
        #expect(packedBed.chamberTemperature == Temperature(current: 49, target: 60))
        #expect(packedBed.nozzleTemperatures.isEmpty)
    }

    @Test(arguments: [(2, 0), (0x12, 1), (0x22, 0), (0xF2, 0), (-1, 0)])
    func activeExtruderStaysInRange(state raw: Int, expected: Int) throws {
        let body = #"{"device":{"extruder":{"state":\#(raw),"info":[{"id":0,"temp":1},{"id":1,"temp":2}]}}}"#
        #expect(try state(print: body).activeExtruder == expected)
    }

    @Test(arguments: [
        ("0", 0), ("1", 0), ("2", 10), ("4", 20), ("10", 60), ("13", 80), ("14", 90), ("15", 100), ("99", 100),
        ("-3", 0),
    ])
    func classicFanStepsUseBambuStudiosFormula(steps: String, percent: Int) throws {
        let state = try self.state(print: #"{"cooling_fan_speed":"\#(steps)","heatbreak_fan_speed":"\#(steps)"}"#)
        #expect(state.fanPercent(.part) == percent)
        #expect(state.fanPercent(.heatbreak) == percent)
        #expect(state.fanPercent(.auxiliary) == nil)
    }

    @Test func fanGearBytesWinOverClassicFields() throws {
        let state = try self.state(
            print: #"{"cooling_fan_speed":"15","big_fan1_speed":"10","big_fan2_speed":"2","heatbreak_fan_speed":"13","#
                + #""fan_gear":2994943}"#
        )
        #expect(state.fanPercent(.part) == 100)
        #expect(state.fanPercent(.auxiliary) == 70)
        #expect(state.fanPercent(.chamber) == 18)
        #expect(state.fanPercent(.heatbreak) == 80)
    }

    @Test func airductPartsWinAndMissingPartsFallBack() throws {
        let state = try self.state(
            print: #"{"fan_gear":12460475,"big_fan2_speed":"15","device":{"airduct":{"parts":[{"id":16,"state":80},"#
                + #"{"id":32,"state":"10"},{"id":96,"state":100}]}}}"#
        )
        #expect(state.fanPercent(.part) == 80)
        #expect(state.fanPercent(.auxiliary) == 10)
        #expect(state.fanPercent(.chamber) == 75)
        #expect(state.fanPercent(.heatbreak) == nil)
        #expect(Fan.allCases.count == 4)
    }

    @Test func amsUnitInfoBitsAndLenientFields() throws {
        let state = try self.state(
            print: #"{"ams":{"tray_now":"254","ams":[{"id":"2","info":"142023","dry_time":583,"humidity":"4","#
                + #""humidity_raw":"9","temp":"65.0"},{"id":"0","info":"x"},{"id":"1"},{"id":"3","info":"7"},"#
                + #"{"tray":[]}]}}"#
        )
        #expect(state.amsUnits.map(\.id) == [0, 1, 2, 3])
        #expect(state.amsUnits.map(\.kind) == [nil, nil, .ams2Pro, nil])
        let dryer = state.amsUnits[2]
        #expect(
            dryer
                == AMSUnit(
                    id: 2,
                    kind: .ams2Pro,
                    humidityIndex: 4,
                    humidityPercent: 9,
                    temperature: 65,
                    dryMinutesLeft: 583,
                    dryerState: 2,
                    extruder: 0
                )
        )
        #expect(state.amsUnits[0].dryerState == nil)
        #expect(state.trayNow == 254)
    }

    @Test func trayFieldsDecodeLeniently() throws {
        let state = try self.state(
            print: #"{"ams":{"ams":[{"id":0,"tray":[{"id":"3","tray_type":"PLA","remain":-1,"nozzle_temp_min":"190","#
                + #""nozzle_temp_max":230,"tray_sub_brands":"","tray_info_idx":"GFA00"},{"id":"x"},"#
                + #"{"id":"1","remain":"55"}]}]}}"#
        )
        let trays = try #require(state.amsUnits.first?.trays)
        #expect(
            trays == [
                AMSTray(id: 1, remainPercent: 55),
                AMSTray(id: 3, material: "PLA", nozzleTempMin: 190, nozzleTempMax: 230, filamentID: "GFA00"),
            ]
        )
        #expect(trays[0].isEmpty)
        #expect(!trays[1].isEmpty)
    }

    @Test(arguments: [
        (#""3EC1AFFF9CFF""#, true), (#""3EC18FFF9CFF""#, false), (#""20000000""#, true), (#""FFFFFFF""#, false),
        (#""""#, false), (#""zz""#, false), ("536870912", true), ("1", false), ("null", false),
    ])
    func signatureBit(fun: String, required: Bool) throws {
        #expect(try state(print: #"{"fun":\#(fun)}"#).signatureRequired == required)
    }

    @Test func homeFlagIsSignedAndCarriesTheSDCardBit() throws {
        let unsigned = try state(print: #"{"home_flag":3228032511}"#)
        #expect(unsigned.homeFlag == -1_066_934_785)
        #expect(unsigned.sdCardPresent == true)
        #expect(try state(print: #"{"home_flag":224477464}"#).sdCardPresent == true)
        #expect(try state(print: #"{"home_flag":6505624}"#).sdCardPresent == false)
        #expect(try state(print: #"{"home_flag":256,"sdcard":false}"#).sdCardPresent == false)
    }

    @Test func jobFieldsAndStageFallback() throws {
        let state = try self.state(
            print: #"{"gcode_state":"RUNNING","mc_percent":"42","mc_remaining_time":78,"layer_num":24,"#
                + #""total_layer_num":"75","stage":{"_id":14},"print_error":50348044,"spd_lvl":3,"spd_mag":"124"}"#
        )
        #expect(state.gcodeState == "RUNNING")
        #expect(state.progressPercent == 42)
        #expect(state.remainingMinutes == 78)
        #expect(state.layer == 24)
        #expect(state.totalLayers == 75)
        #expect(state.stage == 14)
        #expect(PrintErrorCode(rawValue: state.printError).displayCode == "0300_400C")
        #expect(state.speedLevel == 3)
        #expect(state.speedPercent == 124)
    }

    @Test func oddlyTypedValuesDoNotTrap() throws {
        let state = try self.state(
            print: #"{"nozzle_temper":"hot","bed_temper":[],"device":{"extruder":{"info":{"id":0}},"ctc":5},"#
                + #""lights_report":[{"node":1},"x"],"hms":{"attr":1},"ams":{"ams":{"id":"0"}},"vir_slot":"x","#
                + #""fan_gear":"n","cooling_fan_speed":true,"nozzle_diameter":0.6,"home_flag":1e30,"fun":7}"#
        )
        #expect(state.nozzleTemperatures.isEmpty)
        #expect(state.bedTemperature == nil)
        #expect(state.chamberTemperature == nil)
        #expect(state.lights.isEmpty)
        #expect(state.hms.isEmpty)
        #expect(state.amsUnits.isEmpty)
        #expect(state.externalSpools.isEmpty)
        #expect(state.fanPercent(.part) == nil)
        #expect(state.nozzleDiameter == "0.6")
        #expect(state.homeFlag == nil)
        #expect(!state.signatureRequired)
    }
}

@Suite struct FilamentSourceTests {
    @Test func globalTrayIDs() {
        #expect(FilamentSource(globalTrayID: 6) == .ams(unit: 1, slot: 2))
        #expect(FilamentSource(globalTrayID: 129) == .ams(unit: 129, slot: 0))
        #expect(FilamentSource(globalTrayID: 254) == .external(holder: 254))
        #expect(FilamentSource(globalTrayID: 255) == nil)
        #expect(FilamentSource.ams(unit: 3, slot: 1).globalTrayID == 13)
        #expect(FilamentSource.ams(unit: 128, slot: 0).globalTrayID == 128)
    }

    @Test func packedSlots() {
        #expect(FilamentSource(packed: 0x8000) == .ams(unit: 128, slot: 0))
        #expect(FilamentSource(packed: 0x0103) == .ams(unit: 1, slot: 3))
        #expect(FilamentSource(packed: 0xFF00) == .external(holder: 255))
        #expect(FilamentSource(packed: 0xFE00) == .external(holder: 254))
        #expect(FilamentSource(packed: 0xFEFF) == nil)
        #expect(FilamentSource(packed: 0xFFFF) == nil)
    }

    @Test func loadedFilamentPerExtruderAndAMSFlags() throws {
        var state = PrinterState()
        _ = state.apply(
            try JSONValue(
                parsing:
                    #"{"print":{"home_flag":-128,"ams_status":257,"ams":{"tray_now":"3","insert_flag":false,"power_on_flag":true},"device":{"extruder":{"info":[{"id":1,"snow":65024},{"id":0,"snow":258}]}}}}"#
            ))
        #expect(state.loadedFilament == [.ams(unit: 1, slot: 2), .external(holder: 254)])
        #expect(state.amsReadsOnInsertion == false)
        #expect(state.amsReadsOnPowerOn == true)
        #expect(state.amsCalibratesRemaining == true)
        #expect(state.amsStatus == 257)
    }
}
