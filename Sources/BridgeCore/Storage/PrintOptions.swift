// SPDX-License-Identifier: AGPL-3.0-or-later
// The options the next print start (M24, M32) sends with project_file.

/// How the next job starts (set with `M8110`).
///
/// Exists because a Bambu job start carries choices Marlin has no code for: the plate, AMS use
/// and mapping, calibrations and timelapse (bambu-lan.md §3.2).
package struct PrintOptions: Sendable, Equatable {
    /// 1-based plate inside the 3MF.
    package var plate = 1
    /// nil: use the AMS when the printer reports one.
    package var useAMS: Bool?
    /// Global tray per filament in slicer order, -1 unmapped; nil: let the printer decide.
    package var amsMapping: [Int]?
    package var bedLeveling = true
    package var flowCalibration = true
    package var vibrationCalibration = true
    package var layerInspection = true
    package var timelapse = false

    package init() {}

    /// One line describing the options, for the host.
    package var summary: String {
        let ams = useAMS.map { $0 ? "on" : "off" } ?? "auto"
        let mapping = amsMapping.map { $0.map(String.init).joined(separator: ",") } ?? "printer default"
        func onOff(_ value: Bool) -> String { value ? "on" : "off" }
        return "plate \(plate), AMS \(ams), mapping \(mapping), bed leveling \(onOff(bedLeveling)), "
            + "flow calibration \(onOff(flowCalibration)), vibration calibration \(onOff(vibrationCalibration)), "
            + "layer inspection \(onOff(layerInspection)), timelapse \(onOff(timelapse))"
    }
}
