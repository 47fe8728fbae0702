// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated printer's camera settings: what `camera` requests change and `ipcam` reports.

import BambuModel

/// The camera settings a simulated printer reports in `print.ipcam` (bambu-lan.md §2.14).
///
/// Exists so `camera.ipcam_record_set`, `ipcam_timelapse` and `ipcam_resolution_set` (§3.21)
/// change what the next report says, as a real printer does, and tests of M8161–M8163 can see it.
struct SimulatedCamera: Equatable {
    /// `ipcam_record`: `enable` or `disable`.
    var record = "disable"
    /// `timelapse`: `enable` or `disable`.
    var timelapse = "disable"
    /// `resolution`: `1080p` or `720p`.
    var resolution = "1080p"
}

extension SimulatedPrinter {
    /// Runs a `camera` request; unknown camera commands succeed without effect.
    mutating func performCamera(command: String, body: JSONObject) -> CommandOutcome {
        switch command {
        case "ipcam_record_set":
            guard let control = Self.control(body) else { return .failed(reason: "control must be enable or disable") }
            camera.record = control
        case "ipcam_timelapse":
            guard let control = Self.control(body) else { return .failed(reason: "control must be enable or disable") }
            camera.timelapse = control
        case "ipcam_resolution_set":
            guard let resolution = body["resolution"]?.stringValue, ["1080p", "720p"].contains(resolution) else {
                return .failed(reason: "resolution must be 1080p or 720p")
            }
            camera.resolution = resolution
        default:
            break
        }
        return .success
    }

    private static func control(_ body: JSONObject) -> String? {
        guard let control = body["control"]?.stringValue, control == "enable" || control == "disable" else { return nil }
        return control
    }
}
