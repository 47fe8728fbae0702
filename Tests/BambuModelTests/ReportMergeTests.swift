// SPDX-License-Identifier: AGPL-3.0-or-later
// Merge rules for status reports (bambu-lan.md §2.1) and message classification.

import BambuModel
import Testing

/// Every report is a patch; these pin down how patches combine (bambu-lan.md §2.1).
@Suite struct ReportMergeTests {
    /// Parses a short inline message; fixtures hold anything longer.
    private func message(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    /// A state after applying each message in turn; the daemon's path (`ingest`, which merges straight
    /// from the scanned text) must reach the same state and kinds after every message.
    private func state(_ texts: String...) throws -> PrinterState {
        var state = PrinterState()
        var ingested = PrinterState()
        for text in texts {
            let kinds = state.apply(try message(text))
            #expect(try ingested.ingest(Array(text.utf8)) == kinds, "\(text)")
            #expect(ingested == state, "ingest and apply disagree after \(text)")
        }
        return state
    }

    private let fullWithAMS = """
        {"print":{"command":"push_status","msg":0,"nozzle_temper":20.5,"bed_temper":21,"gcode_state":"IDLE","ams":{\
        "ams_exist_bits":"3","tray_now":"255","ams":[{"id":"0","humidity":"4","tray":[{"id":"0","tray_type":"PLA",\
        "tray_color":"FF0000FF","remain":80},{"id":"1","tray_type":"PETG","tray_color":"00FF00FF"}]},{"id":"1",\
        "tray":[]}]},"vt_tray":{"id":"254","tray_type":"TPU","tray_color":"FFFFFFFF"}}}
        """

    @Test func deltaPatchesOnlyItsFields() throws {
        let state = try self.state(fullWithAMS, #"{"print":{"command":"push_status","msg":1,"bed_temper":60.5}}"#)
        #expect(state.bedTemperature == Temperature(current: 60.5, target: 0))
        #expect(state.nozzleTemperatures == [Temperature(current: 20.5, target: 0)])
        #expect(state.gcodeState == "IDLE")
        #expect(state.amsUnits.map(\.id) == [0, 1])
    }

    @Test func nestedObjectsMergeKeyByKey() throws {
        let state = try self.state(
            #"{"print":{"device":{"bed":{"info":{"temp":3932220},"state":2},"type":1}}}"#,
            #"{"print":{"device":{"bed":{"state":0}}}}"#
        )
        #expect(state.print["device"] == ["bed": ["info": ["temp": 3_932_220], "state": 0], "type": 1])
    }

    @Test func traysMergeByIDAndAbsentTraysStay() throws {
        let state = try self.state(
            fullWithAMS,
            #"{"print":{"msg":1,"ams":{"ams":[{"id":"0","tray":[{"id":"1","remain":45}]}]}}}"#
        )
        let unit = try #require(state.amsUnits.first)
        #expect(unit.humidityIndex == 4)
        #expect(unit.trays.map(\.material) == ["PLA", "PETG"])
        #expect(unit.trays[1].remainPercent == 45)
        #expect(unit.trays[1].color == "00FF00FF")
        #expect(unit.trays[0].remainPercent == 80)
    }

    @Test(arguments: [#"{"id":"0"}"#, #"{"id":"0","state":0}"#])
    func trayWithOnlyIDClearsTheSlot(tray: String) throws {
        let state = try self.state(fullWithAMS, #"{"print":{"ams":{"ams":[{"id":"0","tray":[\#(tray)]}]}}}"#)
        let trays = try #require(state.amsUnits.first?.trays)
        #expect(trays[0].isEmpty)
        #expect(trays[0].color == nil)
        #expect(trays[0].remainPercent == nil)
        #expect(trays[1].material == "PETG")
    }

    /// Records match by id wherever they sit, whether ids are strings or numbers (`"1"` matches `1`).
    @Test func recordsMatchByIDInAnyOrderAndSpelling() throws {
        let state = try self.state(
            fullWithAMS,
            #"{"print":{"ams":{"ams":[{"id":"0","tray":[{"id":1,"remain":45},{"id":"0","remain":70}]}]}}}"#,
            #"{"print":{"ams":{"ams":[{"id":"0","tray":[{"id":"x","tray_type":"PVA"},{"id":"x","remain":5}]}]}}}"#
        )
        #expect(state.print["ams"]?["ams"]?.arrayValue?.first?["tray"] == [
            ["id": "0", "tray_type": "PLA", "tray_color": "FF0000FF", "remain": 70],
            ["id": 1, "tray_type": "PETG", "tray_color": "00FF00FF", "remain": 45],  // the delta's id replaces
            ["id": "x", "tray_type": "PVA", "remain": 5],
        ])
    }

    @Test func newTrayIDsAreAppended() throws {
        let state = try self.state(
            fullWithAMS,
            #"{"print":{"ams":{"ams":[{"id":"1","tray":[{"id":"2","tray_type":"ABS"}]}]}}}"#
        )
        #expect(state.amsUnits.last?.trays.map(\.material) == ["ABS"])
    }

    @Test func amsDeltaWithoutVirtualTrayKeepsTheExternalSpool() throws {
        let state = try self.state(fullWithAMS, #"{"print":{"msg":1,"ams":{"tray_now":"0"}}}"#)
        #expect(state.trayNow == 0)
        #expect(state.externalSpools.map(\.material) == ["TPU"])
        #expect(state.amsUnits.count == 2)
    }

    @Test func emptiedVirtualTrayIsReplaced() throws {
        let state = try self.state(fullWithAMS, #"{"print":{"vt_tray":{"id":"254"}}}"#)
        #expect(state.externalSpools == [AMSTray(id: 254)])
    }

    @Test func virtualSlotsMergeByID() throws {
        let state = try self.state(
            #"{"print":{"vir_slot":[{"id":"254","tray_type":"PLA"},{"id":"255","tray_type":"PETG"}]}}"#,
            #"{"print":{"vir_slot":[{"id":"255","tray_color":"000000FF"}]}}"#,
            #"{"print":{"vir_slot":[{"id":"254","state":0}]}}"#
        )
        #expect(state.externalSpools.map(\.material) == [nil, "PETG"])
        #expect(state.externalSpools.map(\.color) == [nil, "000000FF"])
    }

    @Test func extruderAndAirductArraysMergeByID() throws {
        let state = try self.state(
            """
            {"print":{"device":{"extruder":{"state":2,"info":[{"id":0,"temp":14745864},{"id":1,"temp":40}]},\
            "airduct":{"parts":[{"id":16,"state":0},{"id":32,"state":0}]}}}}
            """,
            #"{"print":{"device":{"extruder":{"info":[{"id":1,"temp":13107400}]},"#
                + #""airduct":{"parts":[{"id":32,"state":55}]}}}}"#
        )
        #expect(
            state.nozzleTemperatures == [
                Temperature(current: 264, target: 225), Temperature(current: 200, target: 200),
            ]
        )
        #expect(state.fanPercent(.part) == 0)
        #expect(state.fanPercent(.auxiliary) == 55)
    }

    @Test func otherArraysAreReplacedWholesale() throws {
        let state = try self.state(
            #"{"print":{"hms":[{"attr":1,"code":2},{"attr":3,"code":4}],"s_obj":[1,2],"stg":[2,14,1]}}"#,
            #"{"print":{"hms":[{"attr":5,"code":6}],"s_obj":[],"#
                + #""lights_report":[{"node":"chamber_light","mode":"on"}]}}"#,
            #"{"print":{"lights_report":[{"node":"work_light","mode":"flashing"}]}}"#
        )
        #expect(state.hms == [HMSEntry(attribute: 5, code: 6)])
        #expect(state.print["s_obj"] == [])
        #expect(state.print["stg"] == [2, 14, 1])
        #expect(state.lights == ["work_light": "flashing"])
    }

    @Test func emptyUnitListInADeltaRemovesNothing() throws {
        let state = try self.state(fullWithAMS, #"{"print":{"msg":1,"ams":{"ams":[]}}}"#)
        #expect(state.amsUnits.map(\.id) == [0, 1])
    }

    @Test func existBitsRemoveVanishedUnits() throws {
        let state = try self.state(fullWithAMS, #"{"print":{"msg":1,"ams":{"ams_exist_bits":"1"}}}"#)
        #expect(state.amsUnits.map(\.id) == [0])
        #expect(state.externalSpools.map(\.material) == ["TPU"])
    }

    @Test func unitsListedInTheSameReportStayWhateverTheBits() throws {
        let state = try self.state(fullWithAMS, #"{"print":{"ams":{"ams_exist_bits":"0","ams":[{"id":"1"}]}}}"#)
        #expect(state.amsUnits.map(\.id) == [1])
    }

    @Test func existBitsIgnoreHighUnitIDs() throws {
        let state = try self.state(
            #"{"print":{"ams":{"ams":[{"id":"0"},{"id":"16"},{"id":"128"},{"id":"129"}]}}}"#,
            #"{"print":{"ams":{"ams_exist_bits":"0"}}}"#
        )
        #expect(state.amsUnits.map(\.id) == [16, 128, 129])
    }

    @Test func fullReportListingFewerUnitsRemovesTheOthers() throws {
        let full = #"{"print":{"msg":0,"ams":{"ams":[{"id":"1","tray":[]},{"id":"128","tray":[]}]}}}"#
        let state = try self.state(fullWithAMS, full)
        #expect(state.amsUnits.map(\.id) == [1, 128])

        let delta = #"{"print":{"msg":1,"ams":{"ams":[{"id":"128","tray":[]}]}}}"#
        #expect(try self.state(fullWithAMS, delta).amsUnits.map(\.id) == [0, 1, 128])
    }

    @Test func acknowledgementsAreNotMerged() throws {
        var state = try self.state(fullWithAMS)
        let before = state

        let ack = #"{"print":{"command":"gcode_line","sequence_id":"5","result":"success","param":"M104 S200"}}"#
        let gcode = CommandAcknowledgement(module: "print", command: "gcode_line", sequenceID: "5", result: "success")
        #expect(state.apply(try message(ack)) == [.acknowledgement(gcode)])
        #expect(gcode.succeeded)

        let failed = #"{"system":{"command":"ledctrl","sequence_id":7,"result":"failed","reason":"verify failed"}}"#
        let light = CommandAcknowledgement(
            module: "system",
            command: "ledctrl",
            sequenceID: "7",
            result: "failed",
            reason: "verify failed"
        )
        #expect(state.apply(try message(failed)) == [.acknowledgement(light)])
        #expect(!light.succeeded)

        let log = #"{"mc_print":{"command":"push_info","param":"[AMS][TASK]ams0 temp:18.4","sequence_id":"83"}}"#
        let info = CommandAcknowledgement(module: "mc_print", command: "push_info", sequenceID: "83")
        #expect(state.apply(try message(log)) == [.acknowledgement(info)])

        #expect(state == before)
    }

    @Test func statusAndVersionAreClassified() throws {
        var state = PrinterState()
        #expect(state.apply(try message(#"{"print":{"command":"push_status","msg":1,"layer_num":3}}"#)) == [.status])
        #expect(state.apply(try message(#"{"print":{"layer_num":4}}"#)) == [.status])
        #expect(state.layer == 4)
        let version =
            #"{"info":{"command":"get_version","sequence_id":"0","module":[{"name":"ota","sw_ver":"01.02"}]}}"#
        #expect(state.apply(try message(version)) == [.version])
        #expect(state.firmwareVersion == "01.02")
        #expect(state.productName == nil)
    }

    @Test(arguments: [
        "null", "42", #""print""#, "[1,2]", "{}", #"{"print":"x"}"#, #"{"print":[1]}"#, #"{"xcam":{"a":1}}"#,
        #"{"print":{"command":5,"layer_num":9}}"#,
    ])
    func unknownShapesAreIgnored(text: String) throws {
        var state = PrinterState()
        #expect(state.apply(try message(text)) == [.ignored])
        #expect(state == PrinterState())
    }

    @Test func mergeIsIdempotentForTheSameReport() throws {
        let once = try state(fullWithAMS)
        let twice = try state(fullWithAMS, fullWithAMS)
        #expect(once == twice)
    }
}
