// SPDX-License-Identifier: AGPL-3.0-or-later
// Requests published to device/<serial>/request, built as the vendor's slicer sends them.

/// A request to the printer, before it gets its sequence id.
///
/// Exists so every payload is written down once, next to its source in bambu-lan.md §3, and so
/// tests can assert the exact bytes a command publishes.
package enum BambuRequest: Equatable, Sendable {
    /// `info.get_version` (§1.5).
    case getVersion
    /// `pushing.pushall` (§1.5).
    case pushAll
    /// `print.gcode_line`; the text gets its trailing `\n` here (§3.3).
    case gcodeLine(String)
    /// `print.pause` (§3.1).
    case pause
    /// `print.resume` (§3.1).
    case resume
    /// `print.stop` (§3.1).
    case stop
    /// `print.print_speed` with level 1 silent … 4 ludicrous (§3.6).
    case printSpeed(level: Int)
    /// `system.ledctrl` for one light node, mode `on`/`off`/`flashing` (§3.7).
    case ledControl(node: String, mode: String)
    /// `print.set_ctt`: chamber target on printers with a chamber heater (§3.4).
    case chamberTarget(Int)
    /// `print.select_extruder`: 0 right/main, 1 left/deputy (§3.19).
    case selectExtruder(Int)
    /// `print.project_file`: start a sliced 3MF from the printer's storage (§3.2).
    case projectFile(ProjectFile)
    /// `print.gcode_file`: start a plain G-code file by its absolute path on the printer (§3.2).
    case gcodeFile(path: String)
    /// `print.ams_change_filament` load form (§3.9): `target` is the global tray id (the unit id for
    /// AMS HT, 254 for the single external holder); temperatures are the old and new filament's °C.
    case amsLoadFilament(amsID: Int, slotID: Int, target: Int, currentTemperature: Int, targetTemperature: Int)
    /// `print.ams_change_filament` unload form (§3.9): `target` and `slot_id` 255.
    case amsUnloadFilament(amsID: Int, currentTemperature: Int, targetTemperature: Int)
    /// `print.ams_control` with `param` `pause`, `resume`, `reset`, `done` or `abort` (§3.10).
    case amsControl(String)
    /// `print.ams_filament_drying` start form (§3.14): duration in hours, cooling temperature 45 °C.
    case amsDryingStart(amsID: Int, filament: String, temperature: Int, hours: Int, rotateTray: Bool)
    /// `print.ams_filament_drying` stop form (§3.14): mode 0, zeros and an empty filament.
    case amsDryingStop(amsID: Int)
    /// `print.ams_get_rfid`: re-read one slot's tag (§3.13).
    case amsReadRFID(amsID: Int, slotID: Int)
    /// `print.ams_filament_setting`: what the printer should believe is in a slot (§3.11).
    case amsFilamentSetting(SpoolSetting)
    /// `print.ams_user_setting` (§3.12): only the options that are not `nil` are sent.
    case amsUserSetting(amsID: Int, startupRead: Bool?, trayRead: Bool?, calibrateRemain: Bool?)
    /// `print.print_option`: one option per message (§3.15).
    case printOption(PrintOption)
    /// `xcam.xcam_control_set`: a camera detector on/off, with its sensitivity when given (§3.16).
    case cameraDetector(CameraDetector, enabled: Bool, sensitivity: String?)
    /// `system.set_accessories`: the nozzle of a single-nozzle printer (§3.17).
    case setAccessories(nozzleDiameter: Double, nozzleType: String)
    /// `print.set_nozzle`: one nozzle of a two-nozzle printer, `id` 0 right / 1 left (§3.17).
    case setNozzle(id: Int, type: String, diameter: Double)
    /// `print.extrusion_cali_sel`: the pressure-advance profile of a tray, `-1` the default (§3.18, BS form).
    case selectExtrusionCalibration(trayID: Int, calibrationIndex: Int, filamentID: String, nozzleDiameter: String)
    /// `print.calibration` with the `option` bitmask (§3.20).
    case calibration(option: Int)
    /// A request the host wrote as JSON (`M8152`): one module key whose body is an object; published as
    /// parsed, with `sequence_id` put first in the body when the host left it out.
    case raw(module: String, body: JSONObject)
    /// `camera.ipcam_record_set`: the printer's own recording of its camera on/off (§3.21).
    case cameraRecording(enabled: Bool)
    /// `camera.ipcam_timelapse`: timelapse recording of the next prints on/off (§3.21).
    case cameraTimelapse(enabled: Bool)
    /// `camera.ipcam_resolution_set`: the RTSPS stream's resolution, `"1080p"` or `"720p"` (§3.21).
    case cameraResolution(String)
    /// `print.skip_objects`: stop printing these objects of the running job (§3.8, Marlin `M486 P`).
    case skipObjects([Int])

    /// The MQTT payload with the given sequence id.
    package func message(sequenceID: Int) -> JSONValue {
        let id = JSONValue.string(String(sequenceID))
        switch self {
        case .getVersion:
            return ["info": ["sequence_id": id, "command": "get_version"]]
        case .pushAll:
            return ["pushing": ["sequence_id": id, "command": "pushall", "version": 1, "push_target": 1]]
        case .gcodeLine(let text):
            let line = text.hasSuffix("\n") ? text : text + "\n"
            return ["print": ["sequence_id": id, "command": "gcode_line", "param": .string(line)]]
        case .pause:
            return ["print": ["sequence_id": id, "command": "pause", "param": ""]]
        case .resume:
            return ["print": ["sequence_id": id, "command": "resume", "param": ""]]
        case .stop:
            return ["print": ["sequence_id": id, "command": "stop", "param": ""]]
        case .printSpeed(let level):
            return ["print": ["sequence_id": id, "command": "print_speed", "param": .string(String(level))]]
        case .ledControl(let node, let mode):
            return [
                "system": [
                    "sequence_id": id, "command": "ledctrl", "led_node": .string(node), "led_mode": .string(mode),
                    "led_on_time": 500, "led_off_time": 500, "loop_times": 0, "interval_time": 0,
                ]
            ]
        case .chamberTarget(let target):
            return ["print": ["sequence_id": id, "command": "set_ctt", "ctt_val": .int(Int64(target))]]
        case .selectExtruder(let index):
            return ["print": ["sequence_id": id, "command": "select_extruder", "extruder_index": .int(Int64(index))]]
        case .projectFile(let job):
            var body: JSONObject = [
                "sequence_id": id, "command": "project_file", "param": .string("Metadata/plate_\(job.plate).gcode"),
                "url": .string(job.url), "file": .string(job.file), "md5": "", "subtask_name": .string(job.name),
                "project_id": "0", "profile_id": "0", "task_id": "0", "subtask_id": "0", "bed_type": "auto",
                "timelapse": .bool(job.timelapse), "bed_leveling": .bool(job.bedLeveling),
                "flow_cali": .bool(job.flowCalibration), "vibration_cali": .bool(job.vibrationCalibration),
                "layer_inspect": .bool(job.layerInspection), "use_ams": .bool(job.useAMS),
            ]
            if let mapping = job.amsMapping { body["ams_mapping"] = .array(mapping.map { .int(Int64($0)) }) }
            return ["print": .object(body)]
        case .gcodeFile(let path):
            return ["print": ["sequence_id": id, "command": "gcode_file", "param": .string(path)]]
        case .amsLoadFilament(let amsID, let slotID, let target, let current, let targetTemperature):
            return [
                "print": [
                    "sequence_id": id, "command": "ams_change_filament", "ams_id": number(amsID),
                    "slot_id": number(slotID), "target": number(target), "curr_temp": number(current),
                    "tar_temp": number(targetTemperature),
                ]
            ]
        case .amsUnloadFilament(let amsID, let current, let targetTemperature):
            return [
                "print": [
                    "sequence_id": id, "command": "ams_change_filament", "ams_id": number(amsID), "target": 255,
                    "slot_id": 255, "curr_temp": number(current), "tar_temp": number(targetTemperature),
                ]
            ]
        case .amsControl(let parameter):
            return ["print": ["sequence_id": id, "command": "ams_control", "param": .string(parameter)]]
        case .amsDryingStart(let amsID, let filament, let temperature, let hours, let rotateTray):
            return [
                "print": [
                    "sequence_id": id, "command": "ams_filament_drying", "ams_id": number(amsID), "mode": 1,
                    "filament": .string(filament), "temp": number(temperature), "duration": number(hours),
                    "humidity": 0, "cooling_temp": 45, "rotate_tray": .bool(rotateTray), "close_power_conflict": false,
                ]
            ]
        case .amsDryingStop(let amsID):
            return [
                "print": [
                    "sequence_id": id, "command": "ams_filament_drying", "ams_id": number(amsID), "mode": 0,
                    "filament": "", "temp": 0, "duration": 0, "humidity": 0, "cooling_temp": 0, "rotate_tray": false,
                    "close_power_conflict": false,
                ]
            ]
        case .amsReadRFID(let amsID, let slotID):
            return [
                "print": [
                    "sequence_id": id, "command": "ams_get_rfid", "ams_id": number(amsID), "slot_id": number(slotID),
                ]
            ]
        case .amsFilamentSetting(let spool):
            return [
                "print": [
                    "sequence_id": id, "command": "ams_filament_setting", "ams_id": number(spool.amsID),
                    "slot_id": number(spool.slotID), "tray_id": number(spool.trayID),
                    "tray_info_idx": .string(spool.filamentID), "setting_id": "", "tray_color": .string(spool.color),
                    "nozzle_temp_min": number(spool.nozzleTempMin), "nozzle_temp_max": number(spool.nozzleTempMax),
                    "tray_type": .string(spool.material),
                ]
            ]
        case .amsUserSetting(let amsID, let startupRead, let trayRead, let calibrateRemain):
            var body: JSONObject = ["sequence_id": id, "command": "ams_user_setting", "ams_id": number(amsID)]
            if let startupRead { body["startup_read_option"] = .bool(startupRead) }
            if let trayRead { body["tray_read_option"] = .bool(trayRead) }
            if let calibrateRemain { body["calibrate_remain_flag"] = .bool(calibrateRemain) }
            return ["print": .object(body)]
        case .printOption(let option):
            var body: JSONObject = ["sequence_id": id, "command": "print_option"]
            switch option {
            case .autoRecovery(let on):
                body["option"] = on ? 1 : 0
                body[option.key] = .bool(on)
            case .sound(let on), .filamentTangleDetect(let on), .autoSwitchFilament(let on),
                .nozzleBlobDetect(let on), .airPrintDetect(let on):
                body[option.key] = .bool(on)
            case .airPurification(let mode):
                body[option.key] = .int(Int64(mode))
            }
            return ["print": .object(body)]
        case .cameraDetector(let detector, let enabled, let sensitivity):
            var body: JSONObject = [
                "sequence_id": id, "command": "xcam_control_set", "module_name": .string(detector.rawValue),
                "control": .bool(enabled), "enable": .bool(enabled), "print_halt": true,
            ]
            if let sensitivity { body["halt_print_sensitivity"] = .string(sensitivity) }
            return ["xcam": .object(body)]
        case .setAccessories(let diameter, let type):
            return [
                "system": [
                    "sequence_id": id, "command": "set_accessories", "accessory_type": "nozzle",
                    "nozzle_diameter": .double(diameter), "nozzle_type": .string(type),
                ]
            ]
        case .setNozzle(let nozzle, let type, let diameter):
            return [
                "print": [
                    "command": "set_nozzle", "id": .int(Int64(nozzle)), "type": .string(type),
                    "diameter": .double(diameter), "wear": 0, "sequence_id": id,
                ]
            ]
        case .selectExtrusionCalibration(let tray, let index, let filament, let diameter):
            return [
                "print": [
                    "sequence_id": id, "command": "extrusion_cali_sel", "tray_id": .int(Int64(tray)),
                    "cali_idx": .int(Int64(index)), "filament_id": .string(filament),
                    "nozzle_diameter": .string(diameter),
                ]
            ]
        case .calibration(let option):
            return ["print": ["sequence_id": id, "command": "calibration", "option": .int(Int64(option))]]
        case .raw(let module, let body):
            var sent = body
            if sent["sequence_id"] == nil {
                sent = ["sequence_id": id]
                for (key, value) in body { sent[key] = value }
            }
            var message = JSONObject()
            message[module] = .object(sent)
            return .object(message)
        case .cameraRecording(let enabled):
            return ["camera": ["sequence_id": id, "command": "ipcam_record_set", "control": enabled ? "enable" : "disable"]]
        case .cameraTimelapse(let enabled):
            return ["camera": ["sequence_id": id, "command": "ipcam_timelapse", "control": enabled ? "enable" : "disable"]]
        case .cameraResolution(let resolution):
            return ["camera": ["sequence_id": id, "command": "ipcam_resolution_set", "resolution": .string(resolution)]]
        case .skipObjects(let ids):
            return [
                "print": ["sequence_id": id, "command": "skip_objects", "obj_list": .array(ids.map { .int(Int64($0)) })]
            ]
        }
    }

    /// The MQTT QoS to publish with: 1 for every command (bambu-lan.md §1.4).
    package var qualityOfService: Int { 1 }
}

/// An integer payload value.
private func number(_ value: Int) -> JSONValue { .int(Int64(value)) }

/// The fields of an `ams_filament_setting` request (bambu-lan.md §3.11).
package struct SpoolSetting: Sendable, Equatable {
    /// `ams_id`: the unit, or 255/254 for an external holder.
    package var amsID: Int
    /// `slot_id`: the slot in the unit, 0 for external holders.
    package var slotID: Int
    /// `tray_id`: the slot index for AMS units, 254 for external holders.
    package var trayID: Int
    /// `tray_info_idx`: the filament preset id, e.g. `GFL99`.
    package var filamentID: String
    /// `tray_color`: `RRGGBBAA`, upper case.
    package var color: String
    package var nozzleTempMin: Int
    package var nozzleTempMax: Int
    /// `tray_type`: the material, e.g. `PLA`.
    package var material: String

    package init(
        amsID: Int, slotID: Int, trayID: Int, filamentID: String, color: String, nozzleTempMin: Int,
        nozzleTempMax: Int, material: String
    ) {
        self.amsID = amsID
        self.slotID = slotID
        self.trayID = trayID
        self.filamentID = filamentID
        self.color = color
        self.nozzleTempMin = nozzleTempMin
        self.nozzleTempMax = nozzleTempMax
        self.material = material
    }
}

/// The fields of a `project_file` start.
package struct ProjectFile: Sendable, Equatable {
    /// Where the printer finds the file: `file:///sdcard/<path>` or `ftp:///<path>`.
    package var url: String
    /// The path without its leading `/`.
    package var file: String
    /// The job name (file name without `.gcode.3mf`/`.3mf`).
    package var name: String
    package var plate: Int
    package var useAMS: Bool
    package var amsMapping: [Int]?
    package var bedLeveling: Bool
    package var flowCalibration: Bool
    package var vibrationCalibration: Bool
    package var layerInspection: Bool
    package var timelapse: Bool

    package init(
        url: String, file: String, name: String, plate: Int, useAMS: Bool, amsMapping: [Int]?, bedLeveling: Bool,
        flowCalibration: Bool, vibrationCalibration: Bool, layerInspection: Bool, timelapse: Bool
    ) {
        self.url = url
        self.file = file
        self.name = name
        self.plate = plate
        self.useAMS = useAMS
        self.amsMapping = amsMapping
        self.bedLeveling = bedLeveling
        self.flowCalibration = flowCalibration
        self.vibrationCalibration = vibrationCalibration
        self.layerInspection = layerInspection
        self.timelapse = timelapse
    }
}
