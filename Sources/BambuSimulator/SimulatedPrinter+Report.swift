// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated printer's push_status and get_version reports.

package import BambuModel

extension SimulatedPrinter {
    // MARK: Reports

    /// The report for this period (the runner calls it once a second), `"msg": 1`.
    ///
    /// X1/X1E/P2S/H2*/X2D send every field each time; P1P/P1S/A1/A1 mini/A2L send only the fields that
    /// changed since their last report plus `wifi_signal`, which real P1/A1 change on every push
    /// (bambu-lan.md §1.6, §2.1). The first report after start carries everything. `sequence_id` is the
    /// printer's rolling counter, not an echo (§1.3).
    package mutating func periodicReport() -> JSONValue {
        pushCount &+= 1
        sequence = (sequence + 1) % 100_000
        let body = statusBody()
        var payload = body
        if profile.sendsDeltas, let lastReported {
            payload = ReportDelta.changes(from: lastReported, to: body)
            payload["wifi_signal"] = body["wifi_signal"]
        }
        lastReported = body
        return envelope(payload, message: 1)
    }

    /// The complete report, as `pushall` answers it (`"msg": 0`).
    package func fullReport() -> JSONValue {
        envelope(statusBody(), message: 0)
    }

    /// Answers `pushall`: a new sequence number, the full report, and the new base for later deltas.
    mutating func pushAll() -> JSONValue {
        sequence = (sequence + 1) % 100_000
        lastReported = statusBody()
        return fullReport()
    }

    /// The `get_version` answer (§2.17): `ota` (product name, firmware), the main board, `mc`, `th`, and
    /// the attached AMS unit.
    package func versionReport(sequenceID: String) -> JSONValue {
        let legacy = profile.sendsDeltas
        var modules: [JSONValue] = [
            [
                "name": "ota", "product_name": .string(model.productName), "sw_ver": .string(profile.firmware),
                "hw_ver": legacy ? "OTA" : "N/A", "sn": .string(serial), "loader_ver": "00.00.00.00",
                "visible": true, "flag": 3,
            ]
        ]
        var board: JSONObject = ["name": .string(profile.board.name)]
        if !profile.board.project.isEmpty { board["project_name"] = .string(profile.board.project) }
        board["product_name"] = ""
        board["sw_ver"] = profile.board.name == "esp32" ? "01.16.39.58" : "00.00.51.98"
        board["hw_ver"] = .string(profile.board.hardware)
        board["sn"] = .string(serial)
        board["loader_ver"] = "00.00.01.08"
        board["visible"] = false
        board["flag"] = 0
        modules.append(.object(board))
        modules.append(Self.module("mc", hardware: legacy ? "MC02" : "MC09", software: "00.01.30.10"))
        modules.append(Self.module("th", hardware: legacy ? "TH03" : "TH08", software: "00.00.07.72"))
        modules += ams.versionModules(printerSerial: serial)

        var info: JSONObject = [
            "command": "get_version", "sequence_id": .string(sequenceID), "module": .array(modules),
        ]
        if legacy {
            info["result"] = "success"
            info["reason"] = ""
        }
        return ["info": .object(info)]
    }

    private static func module(_ name: String, hardware: String, software: String) -> JSONValue {
        [
            "name": .string(name), "product_name": "", "sw_ver": .string(software), "hw_ver": .string(hardware),
            "sn": "N/A", "loader_ver": "00.00.00.32", "visible": false, "flag": 0,
        ]
    }

    /// `{"print": body + command, msg, sequence_id}`.
    private func envelope(_ body: JSONObject, message: Int64) -> JSONValue {
        var print = body
        print["command"] = "push_status"
        print["msg"] = .int(message)
        print["sequence_id"] = .string(String(sequence))
        return ["print": .object(print)]
    }

    // MARK: The status body

    /// Every `print` field the model reports, from the simulated state (console overrides applied last).
    func statusBody() -> JSONObject {
        let capabilities = model.capabilities
        let legacy = profile.sendsDeltas
        let active = nozzles[activeExtruder]
        let currentJob = job.job
        var body = JSONObject()
        body["ipcam"] = ipcam
        body["upload"] = ["status": "idle", "progress": 0, "message": ""]
        body["nozzle_temper"] = .double(Self.reported(active.current))
        body["nozzle_target_temper"] = target(active.target)
        body["bed_temper"] = .double(Self.reported(bed.current))
        body["bed_target_temper"] = target(bed.target)
        // P1/A1 have no chamber sensor and report a constant placeholder (§2.2).
        body["chamber_temper"] = capabilities.chamberSensor ? .double(Self.reported(chamber.current)) : 5
        body["mc_print_stage"] = job.isBusy ? "2" : "1"
        body["heatbreak_fan_speed"] = nozzles.contains { $0.current >= 50 } ? "15" : "0"
        body["cooling_fan_speed"] = Self.steps(fans[1])
        body["big_fan1_speed"] = Self.steps(fans[2])
        body["big_fan2_speed"] = Self.steps(fans[3])
        body["mc_percent"] = .int(Int64(job.percent))
        body["mc_remaining_time"] = .int(Int64(job.remainingMinutes))
        body["ams_status"] = .int(Int64(ams.status))
        body["ams_rfid_status"] = .int(Int64(ams.rfidStatus))
        body["hw_switch_state"] = 0
        body["spd_mag"] = .int(Int64(Self.speedPercent(level: speedLevel)))
        body["spd_lvl"] = .int(Int64(speedLevel))
        body["print_error"] = .int(Int64(transientError?.code ?? latchedError))
        body["lifecycle"] = "product"
        body["wifi_signal"] = .string(wifiSignal)
        body["gcode_state"] = .string(job.gcodeState)
        body["gcode_file_prepare_percent"] = .string(String(job.preparePercent))
        for key in ["queue_number", "queue_total", "queue_est", "queue_sts"] { body[key] = 0 }
        for key in ["project_id", "profile_id", "task_id", "subtask_id"] { body[key] = "0" }
        body["subtask_name"] = .string(currentJob?.name ?? "")
        body["gcode_file"] = .string(currentJob?.file ?? "")
        body["stg"] = currentJob == nil ? [] : .array(SimulatedJob.prepareStages.map { .int(Int64($0)) })
        body["stg_cur"] = .int(Int64(job.stage(idle: profile.idleStage)))
        body["print_type"] = currentJob == nil ? "idle" : "local"
        body["home_flag"] = .int(Int64(homeFlag))
        body["mc_print_line_number"] = "0"
        body["mc_print_sub_stage"] = 0
        body["sdcard"] = true
        body["force_upgrade"] = false
        body["mess_production_state"] = "active"
        body["layer_num"] = .int(Int64(job.layer))
        body["total_layer_num"] = .int(Int64(currentJob?.layers ?? 0))
        body["s_obj"] = .array(skippedObjects.map { .int(Int64($0)) })
        body["filam_bak"] = []
        body["fan_gear"] = .int(Int64(fans[1, default: 0] | fans[2, default: 0] << 8 | fans[3, default: 0] << 16))
        body["nozzle_diameter"] = "0.4"
        body["nozzle_type"] = .string(profile.nozzleType)
        body["cali_version"] = 0
        if legacy { body["k"] = "0.0200" }
        if profile.sendsFunction { body["fun"] = .string(function) }
        if profile.hasDeviceBlock {
            body["device"] = device
            body["stat"] = "46258008"  // door and lid closed (§2.10, HA fixture)
        }
        body["hms"] = .array(hms.map { ["attr": .int(Int64($0.attribute)), "code": .int(Int64($0.code))] })
        body["online"] = ["ahb": false, "rfid": false, "version": 1]
        body["ams"] = ams.report(newFirmware: !legacy, activeExtruder: activeExtruder)
        if nozzles.count > 1 {
            body["vir_slot"] = ams.virtualSlots(newFirmware: !legacy)
        } else {
            body["vt_tray"] = ams.externalTray(newFirmware: !legacy)
        }
        body["lights_report"] = .array(lights.map { ["node": .string($0.node), "mode": .string($0.mode)] })
        body["xcam"] = xcam
        body["upgrade_state"] = [
            "status": "IDLE", "new_version_state": 2, "progress": "0", "message": "", "module": "", "new_ver_list": [],
        ]
        applyOptionState(to: &body)
        for (key, value) in overrides { body[key] = value }
        return body
    }

    /// The `print.device` block (§2.3): packed temperatures, extruders, nozzles, airduct fans.
    private var device: JSONValue {
        let capabilities = model.capabilities
        var device = JSONObject()
        if capabilities.airduct { device["airduct"] = airduct }
        device["bed"] = ["info": ["temp": Self.packed(bed)], "state": bed.target > 0 ? 2 : 0]
        device["bed_temp"] = Self.packed(bed)
        if capabilities.chamberHeater {
            device["ctc"] = ["info": ["temp": Self.packed(chamber)], "state": chamber.target > 0 ? 1 : 0]
        }
        let extruders: [JSONValue] = nozzles.indices.map { index in
            let heater = nozzles[index]
            let slot = JSONValue.int(Int64(ams.packedSlot(extruder: index)))
            let working = index == activeExtruder && job.isBusy ? 0x300 : 0
            return [
                "id": .int(Int64(index)), "temp": Self.packed(heater), "info": 8,
                "stat": .int(Int64(working | (heater.current < heater.target ? 1 : 0))),
                "snow": slot, "spre": slot, "star": slot, "hnow": .int(Int64(index)), "hpre": .int(Int64(index)),
                "htar": .int(Int64(index)), "filam_bak": [],
            ]
        }
        device["extruder"] = ["info": .array(extruders), "state": .int(Int64(nozzles.count | activeExtruder << 4))]
        device["nozzle"] = [
            "exist": .int(Int64((1 << nozzles.count) - 1)),
            "info": .array(
                nozzles.indices.map {
                    ["id": .int(Int64($0)), "type": "HS01", "diameter": 0.4, "tm": 0, "wear": 0]
                }
            ),
            "state": 0,
        ]
        device["plate"] = ["base": 1, "cali2d_id": "", "cur_id": "", "mat": 1, "tar_id": ""]
        device["type"] = 1
        return .object(device)
    }

    /// `device.airduct` in cooling mode (§2.6); `parts[].state` is the fan's percent.
    private var airduct: JSONValue {
        let percent = { (fan: Int) in JSONValue.int(Int64((Double(self.fans[fan, default: 0]) / 255 * 100).rounded())) }
        if model == .p2s {
            return [
                "modeCur": 0,
                "modeList": [
                    ["ctrl": [16, 32, 160], "modeId": 0, "off": []], ["ctrl": [16, 32], "modeId": 1, "off": [160]],
                ],
                "parts": [
                    ["func": 0, "id": 16, "range": 6_553_600, "state": percent(1)],
                    ["func": 6, "id": 32, "range": 6_553_600, "state": percent(2)],
                ],
            ]
        }
        return [
            "modeCur": 0,
            "modeList": [
                ["ctrl": [16, 32, 48], "modeId": 0, "off": [96]], ["ctrl": [16], "modeId": 1, "off": [32, 48]],
                ["ctrl": [48], "modeId": 2, "off": []],
            ],
            "parts": [
                ["func": 0, "id": 16, "range": 6_553_600, "state": percent(1)],
                ["func": 1, "id": 32, "range": 6_553_600, "state": percent(2)],
                ["func": 2, "id": 48, "range": 6_553_600, "state": percent(3)],
                ["func": 3, "id": 96, "range": 6_553_600, "state": 0],
            ],
        ]
    }

    private var ipcam: JSONValue {
        var ipcam: JSONObject = [
            "ipcam_dev": "1", "ipcam_record": .string(camera.record), "timelapse": .string(camera.timelapse),
            "resolution": .string(camera.resolution),
            "tutk_server": "disable",
        ]
        if profile.sendsDeltas {
            ipcam["mode_bits"] = 3
        } else {
            ipcam["mode_bits"] = 2
            ipcam["rtsp_url"] = "disable"  // LAN live view off, as H2/P2S ship (§2.14)
        }
        return .object(ipcam)
    }

    /// `xcam` (§2.11): A1-style firmware reports only the build-plate marker detector.
    private var xcam: JSONValue {
        if profile.sendsDeltas { return ["buildplate_marker_detector": true] }
        return [
            "allow_skip_parts": false, "buildplate_marker_detector": true,
            "first_layer_inspector": .bool(model == .x1c || model == .x1 || model == .x1e),
            "halt_print_sensitivity": "medium", "print_halt": true, "printing_monitor": true,
            "spaghetti_detector": true,
        ]
    }

    /// `fun`: HA's developer-mode value, with bit 0x20000000 (signature required, §1.8) when locked.
    private var function: String {
        let value: UInt64 = 0x3EC1_8FFF_9CFF | (signedCommandsRequired ? 0x2000_0000 : 0)
        return String(value, radix: 16, uppercase: true)
    }

    /// `wifi_signal`: a per-serial level that wobbles by a dBm or two on every push.
    private var wifiSignal: String {
        let base = -40 - serial.utf8.reduce(0) { ($0 + Int($1)) % 20 }
        let wobble = [0, -1, 1, -2, 1, 0, -1, 2][pushCount % 8]
        return String(base + wobble) + "dBm"
    }

    /// A target in the model's style: integers on P1/A1 when whole, floats elsewhere.
    private func target(_ value: Double) -> JSONValue {
        if profile.integerTargets, value == value.rounded() { return .int(Int64(value)) }
        return .double(value)
    }

    // MARK: Encodings

    /// A temperature as the printer's float fields show it: in 1/32 °C steps (`29.78125`).
    static func reported(_ celsius: Double) -> Double { (celsius * 32).rounded() / 32 }

    /// `device.*.temp`: target in the high 16 bits, current in the low 16 bits (§2.2).
    static func packed(_ heater: SimulatedHeater) -> JSONValue {
        let word = { (value: Double) in Int64(min(max(value.rounded(), 0), 0xFFFF)) }
        return .int(word(heater.target) << 16 | word(heater.current))
    }

    /// A classic fan field: `round(pwm / 255 × 15)` as a string.
    static func steps(_ pwm: Int?) -> JSONValue {
        .string(String(Int((Double(pwm ?? 0) / 255 * 15).rounded())))
    }

    /// `spd_mag` for a speed level (§2.7).
    static func speedPercent(level: Int) -> Int {
        switch level {
        case 1: 50
        case 3: 124
        case 4: 166
        default: 100
        }
    }
}
