// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer's switchable options and camera detectors, and where reports show their state.

/// One `print_option` setting (bambu-lan.md §3.15): the vendor slicer sends one per message.
///
/// Exists so the request payload, the `home_flag` bit that confirms it (§2.10) and the name users
/// read are written down once, for the bridge and the simulator alike.
package enum PrintOption: Equatable, Sendable {
    /// Step-loss auto recovery; sent with `"option": 1|0`.
    case autoRecovery(Bool)
    /// Prompt sound (`sound_enable`).
    case sound(Bool)
    /// AMS filament tangle detection.
    case filamentTangleDetect(Bool)
    /// AMS auto switch to a matching spool when one runs out (filament backup).
    case autoSwitchFilament(Bool)
    /// Nozzle blob detection.
    case nozzleBlobDetect(Bool)
    /// Air-printing detection (extrusion stops reaching the part).
    case airPrintDetect(Bool)
    /// Air purifier mode: 0 off, 1 internal circulation, 2 external exhaust (H2/X2).
    case airPurification(Int)

    /// The payload key (`auto_recovery`, `sound_enable`…).
    package var key: String {
        switch self {
        case .autoRecovery: "auto_recovery"
        case .sound: "sound_enable"
        case .filamentTangleDetect: "filament_tangle_detect"
        case .autoSwitchFilament: "auto_switch_filament"
        case .nozzleBlobDetect: "nozzle_blob_detect"
        case .airPrintDetect: "air_print_detect"
        case .airPurification: "air_purification"
        }
    }
}

/// `home_flag` bits the printer uses to confirm options (bambu-lan.md §2.10).
///
/// Exists so the bridge's status query and the simulator read and write the same bits.
package enum HomeFlagBit: Int, Sendable, CaseIterable {
    case autoRecovery = 4
    case autoSwitchFilament = 10
    case sound = 17
    case tangleDetectSupported = 19
    case tangleDetect = 20
    case motorNoiseCalibrationSupported = 21
    case nozzleBlobDetect = 24
    case nozzleBlobDetectSupported = 25
    case airPrintDetect = 28
    case airPrintDetectSupported = 29

    /// The bit as a mask.
    package var mask: Int { 1 << rawValue }
}

/// A camera detector switched with `xcam_control_set` (bambu-lan.md §3.16) and read from `xcam` (§2.11).
///
/// Exists to keep the module names, the report fields and the `xcam.cfg` bits of each detector together.
package enum CameraDetector: String, CaseIterable, Sendable {
    /// Build-plate marker (plate type) detection.
    case buildplateMarker = "buildplate_marker_detector"
    /// First-layer inspection with the Micro LiDAR (X1 family).
    case firstLayerInspector = "first_layer_inspector"
    /// AI print monitoring (spaghetti detection), new protocol name.
    case printingMonitor = "printing_monitor"
    /// Purge-chute pile-up detection.
    case pileup = "pileup_detector"
    /// Nozzle clumping detection.
    case clump = "clump_detector"
    /// Air-printing detection by camera.
    case airPrint = "airprint_detector"
    /// Build-plate alignment detection.
    case plateAlignment = "plate_offset_switch"

    /// Whether the detector takes a `halt_print_sensitivity` (low/medium/high).
    package var hasSensitivity: Bool {
        switch self {
        case .printingMonitor, .pileup, .clump, .airPrint: true
        case .buildplateMarker, .firstLayerInspector, .plateAlignment: false
        }
    }

    /// The boolean `xcam` field that reports the detector, when there is one.
    package var reportField: String? {
        switch self {
        case .buildplateMarker, .firstLayerInspector, .printingMonitor: rawValue
        case .pileup, .clump, .airPrint, .plateAlignment: nil
        }
    }

    /// The `xcam.cfg` bit that says the detector is on, and the first of its two sensitivity bits.
    package var configBits: (enabled: Int, sensitivity: Int?)? {
        switch self {
        case .printingMonitor: (7, 8)
        case .pileup: (10, 11)
        case .clump: (13, 14)
        case .airPrint: (16, 17)
        case .plateAlignment: (20, nil)
        case .buildplateMarker, .firstLayerInspector: nil
        }
    }

    /// Sensitivity names in `xcam.cfg` order (0 low, 1 medium, 2 high).
    package static let sensitivities = ["low", "medium", "high"]
}

/// The printer's stages (`stg_cur`), ids 0–77 (bambu-lan.md §2.16).
///
/// Exists as the one place stage ids are named: the status query prints them and pause notices
/// explain a pause with them.
package enum PrinterStage {
    /// The stage's name, or nil for an unknown id.
    package static func name(_ id: Int) -> String? {
        names.indices.contains(id) ? names[id] : nil
    }

    /// Whether the id is an idle marker (-1, 255) rather than a stage.
    package static func isIdle(_ id: Int) -> Bool { id == -1 || id == 255 }

    private static let names = [
        "printing", "auto bed leveling", "heatbed preheating", "sweeping XY mech mode (vibration comp.)",
        "changing filament", "M400 pause", "paused: filament runout", "heating hotend",
        "calibrating extrusion (dynamic flow)", "scanning bed surface", "inspecting first layer",
        "identifying build plate type", "calibrating Micro LiDAR", "homing toolhead", "cleaning nozzle tip",
        "checking extruder temperature", "paused by user", "paused: front cover falling",
        "calibrating Micro LiDAR (second id)", "calibrating extrusion flow",
        "paused: nozzle temperature malfunction", "paused: heatbed temperature malfunction", "filament unloading",
        "paused: skipped step", "filament loading", "calibrating motor noise", "paused: AMS lost",
        "paused: low heatbreak fan speed", "paused: chamber temperature control error", "cooling chamber",
        "paused by user-inserted G-code", "motor noise showoff", "paused: nozzle filament covered",
        "paused: cutter error", "paused: first layer error", "paused: nozzle clog",
        "absolute accuracy check (before)", "absolute accuracy calibration", "absolute accuracy check (after)",
        "nozzle offset calibration", "high-temperature bed leveling", "checking quick release",
        "checking door and cover", "laser calibration", "checking platform", "checking birdeye camera position",
        "calibrating birdeye camera", "bed leveling phase 1", "bed leveling phase 2", "heating chamber",
        "cooling heatbed", "printing calibration lines", "checking material", "calibrating live-view camera",
        "waiting for heatbed temperature", "checking material position", "calibrating cutter model offset",
        "measuring surface", "thermal preconditioning", "homing blade holder", "calibrating camera offset",
        "calibrating blade holder position", "hotend pick/place test",
        "waiting for chamber temperature to equalize", "preparing hotend", "calibrating nozzle-clumping detection",
        "purifying chamber air", "measuring rotary attachment", "moving toolhead above purge chute",
        "cooling nozzle", "moving toolhead to bed centre", "active arc fitting", "hotend type detection",
        "build plate alignment detection", "heatbed top foreign-object detection",
        "heatbed underside foreign-object detection", "pre-extrusion before printing", "preparing AMS",
    ]
}
