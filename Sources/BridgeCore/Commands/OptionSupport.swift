// SPDX-License-Identifier: AGPL-3.0-or-later
// Helpers shared by the options, nozzle, housekeeping and status families: word parameters, gates, names.

import BambuModel
import GCode

/// Model groups and state checks the option codes gate on (bambu-lan.md §3.15–§3.20, §5.2).
enum OptionGates {
    /// Models whose prompt sound can be switched (HA gates `sound_enable` on A1/A2/H2/P2/X2).
    static let soundModels: Set<PrinterModel> = [.a1, .a1mini, .a2l, .h2s, .h2d, .h2dPro, .h2c, .p2s, .x2d]
    static let soundModelNames = "A1, A1 mini, A2L, H2S, H2D, H2D Pro, H2C, P2S, X2D"
    /// Models with an air purifier (`air_purification`, H2/X2).
    static let purifierModels: Set<PrinterModel> = [.h2s, .h2d, .h2dPro, .h2c, .x2d]
    static let purifierModelNames = "H2S, H2D, H2D Pro, H2C, X2D"
    /// Models with the Micro LiDAR (first-layer inspection, LiDAR calibration): the X1 family.
    static let lidarModels: Set<PrinterModel> = [.x1c, .x1, .x1e]
    static let lidarModelNames = "X1 Carbon, X1, X1E"

    /// `gcode_state` values during which the printer is busy with a job.
    static let busyStates: Set<String> = ["PREPARE", "SLICING", "RUNNING", "PAUSE"]

    /// Throws when a job runs: nozzle changes and calibrations must wait for an idle printer.
    static func ensureIdle(_ code: CommandCode, _ context: CommandContext) throws(CommandError) {
        if let state = context.printer.gcodeState, busyStates.contains(state) {
            throw CommandError("\(code): the printer is busy (\(state)); wait until the job ends")
        }
    }

    /// Whether the printer offers a camera detector: a `fun` support bit (42–45), the detector's report
    /// field, or `xcam.cfg` for the detectors read from it; the first-layer inspector needs the LiDAR.
    static func offers(_ detector: CameraDetector, _ context: CommandContext) -> Bool {
        let printer = context.printer
        let xcam = printer.print["xcam"]
        switch detector {
        case .buildplateMarker:
            return true
        case .firstLayerInspector:
            return lidarModels.contains(context.model)
        case .printingMonitor:
            return printer.functionBit(42) || xcam?["printing_monitor"] != nil || xcam?["spaghetti_detector"] != nil
        case .pileup:
            return printer.functionBit(43) || printer.cameraConfig != nil
        case .clump:
            return printer.functionBit(44) || printer.cameraConfig != nil
        case .airPrint:
            return printer.functionBit(45) || printer.cameraConfig != nil
        case .plateAlignment:
            return printer.cameraConfig != nil
        }
    }

    /// `on`/`off`, or `unknown` when the printer has not said.
    static func onOff(_ flag: Bool?) -> String {
        switch flag {
        case true?: "on"
        case false?: "off"
        case nil: "unknown (not reported yet)"
        }
    }
}

extension CameraDetector {
    /// The short name `M8131 D…` takes.
    var shortName: String {
        switch self {
        case .buildplateMarker: "marker"
        case .firstLayerInspector: "firstlayer"
        case .printingMonitor: "ai"
        case .pileup: "pileup"
        case .clump: "clump"
        case .airPrint: "airprint"
        case .plateAlignment: "alignment"
        }
    }

    /// What users call the detector.
    var displayName: String {
        switch self {
        case .buildplateMarker: "build plate marker detector"
        case .firstLayerInspector: "first layer inspector"
        case .printingMonitor: "AI monitoring (spaghetti)"
        case .pileup: "purge chute pile-up detector"
        case .clump: "nozzle clumping detector"
        case .airPrint: "air-printing detector"
        case .plateAlignment: "build plate alignment detector"
        }
    }

    /// The detector named by `M8131 D<name>`: a short name, the module name, or `spaghetti`.
    init?(hostName: String) {
        let name = hostName.lowercased()
        if name == "spaghetti" || name == "spaghetti_detector" {
            self = .printingMonitor
            return
        }
        guard let found = Self.allCases.first(where: { $0.shortName == name || $0.rawValue == name }) else {
            return nil
        }
        self = found
    }
}
