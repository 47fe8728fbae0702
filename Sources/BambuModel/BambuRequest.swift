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
        case .skipObjects(let ids):
            return [
                "print": ["sequence_id": id, "command": "skip_objects", "obj_list": .array(ids.map { .int(Int64($0)) })]
            ]
        }
    }

    /// The MQTT QoS to publish with: 1 for every command (bambu-lan.md §1.4).
    package var qualityOfService: Int { 1 }
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
