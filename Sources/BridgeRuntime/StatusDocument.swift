// SPDX-License-Identifier: AGPL-3.0-or-later
// Every printer's status as JSON: the answer of the status socket and of HTTP /status.

package import BambuModel
import BridgeCore

/// The JSON document `bambu-serial status --json` and `GET /status` return.
///
/// Exists so both answers are built in one place from the supervisor's ``PrinterStatus`` values;
/// `/status` adds each printer's camera state.
package enum StatusDocument {
    /// `{"printers": [...]}`; `cameras` adds a `camera` object per printer when given.
    package static func json(_ statuses: [PrinterStatus], cameras: [String: CameraState]? = nil) -> JSONValue {
        .object(["printers": .array(statuses.map { printer($0, cameras: cameras) })])
    }

    private static func printer(_ status: PrinterStatus, cameras: [String: CameraState]?) -> JSONValue {
        let session = status.session
        var object: JSONObject = [
            "name": .string(session.name), "model": .string(session.model.configName), "serial": .string(status.serial),
            "enabled": .bool(status.enabled),
            "state": .string(status.enabled ? session.linkState.name : "disabled"),
            "reason": session.linkState.reason.map { .string($0) } ?? .null,
            "gcode_state": session.gcodeState.map { .string($0) } ?? .null,
            "progress": session.progressPercent.map { .int(Int64($0)) } ?? .null,
            "hms": .int(Int64(session.hmsCount)), "host_attached": .bool(session.hostAttached),
            "requires_signed_commands": .bool(session.requiresSignedCommands),
        ]
        if let job = session.jobName {
            object["job"] = ["name": .string(job), "progress": session.progressPercent.map { .int(Int64($0)) } ?? .null]
        } else {
            object["job"] = .null
        }
        func pair(_ temperature: Temperature?) -> JSONValue {
            guard let temperature else { return .null }
            return ["current": .double(temperature.current), "target": .double(temperature.target)]
        }
        object["temperatures"] = [
            "nozzles": .array(session.nozzles.map { pair($0) }), "bed": pair(session.bed), "chamber": pair(session.chamber),
        ]
        if let cameras {
            let camera = cameras[session.name] ?? .off
            object["camera"] = ["state": .string(camera.name), "reason": camera.reason.map { .string($0) } ?? .null]
        }
        return .object(object)
    }
}
