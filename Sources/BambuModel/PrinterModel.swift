// SPDX-License-Identifier: AGPL-3.0-or-later
// Bambu Lab printer models, their serial prefixes and what hardware each one has.

/// A Bambu Lab printer model.
///
/// Exists because almost every translation depends on the hardware: which heaters and fans are
/// there, how many nozzles, which camera protocol, which AMS units can attach. Detected from the
/// serial prefix (bambu-lan.md §5.1) unless the configuration names the model.
package enum PrinterModel: String, CaseIterable, Sendable, Hashable {
    case x1c, x1, x1e, p1p, p1s, a1, a1mini, p2s, h2s, h2d, h2dPro, h2c, x2d, a2l

    /// Finds the model from the first three characters of a serial number (case-sensitive, as printed).
    package init?(serial: String) {
        let prefix = String(serial.prefix(3))
        guard let model = Self.allCases.first(where: { $0.serialPrefixes.contains(prefix) }) else { return nil }
        self = model
    }

    /// Finds the model from a configuration value such as `x1c`, `X1C`, `a1-mini` or `h2d_pro`.
    package init?(configName: String) {
        let folded = String(configName.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " })
        guard let model = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) else { return nil }
        self = model
    }

    /// The name the configuration file and `bambu-serial models` use.
    package var configName: String {
        switch self {
        case .a1mini: "a1-mini"
        case .h2dPro: "h2d-pro"
        default: rawValue
        }
    }

    /// The vendor's product name, as `get_version` reports it in `ota.product_name`.
    package var productName: String {
        switch self {
        case .x1c: "Bambu Lab X1 Carbon"
        case .x1: "Bambu Lab X1"
        case .x1e: "Bambu Lab X1E"
        case .p1p: "Bambu Lab P1P"
        case .p1s: "Bambu Lab P1S"
        case .a1: "Bambu Lab A1"
        case .a1mini: "Bambu Lab A1 mini"
        case .p2s: "Bambu Lab P2S"
        case .h2s: "Bambu Lab H2S"
        case .h2d: "Bambu Lab H2D"
        case .h2dPro: "Bambu Lab H2D Pro"
        case .h2c: "Bambu Lab H2C"
        case .x2d: "Bambu Lab X2D"
        case .a2l: "Bambu Lab A2L"
        }
    }

    /// Serial-number prefixes that identify the model (bambu-lan.md §5.1).
    package var serialPrefixes: [String] {
        switch self {
        case .x1c: ["00M"]
        case .x1: ["00W"]
        case .x1e: ["03W"]
        case .p1p: ["01S"]
        case .p1s: ["01P"]
        case .a1: ["039"]
        case .a1mini: ["030"]
        case .p2s: ["22E"]
        case .h2s: ["093"]
        case .h2d: ["094"]
        case .h2dPro: ["239"]
        case .h2c: ["31B"]
        case .x2d: ["20P"]
        case .a2l: ["26A"]
        }
    }

    /// How `project_file` names a file on this model's storage (bambu-lan.md §3.2): `ftp:///<path>`
    /// on H2, P2 and X2 printers, `file:///sdcard/<path>` on X1, P1 and A1 printers.
    package func storageURL(forPath path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : "/" + path
        switch self {
        case .h2s, .h2d, .h2dPro, .h2c, .p2s, .x2d, .a2l: return "ftp://" + absolute
        case .x1c, .x1, .x1e, .p1p, .p1s, .a1, .a1mini: return "file:///sdcard" + absolute
        }
    }

    /// What the model's hardware can do (bambu-lan.md §5.2).
    package var capabilities: ModelCapabilities {
        switch self {
        case .x1c, .x1:
            ModelCapabilities(
                chamberSensor: true, chamberHeater: false, nozzleCount: 1, camera: .rtsps, auxiliaryFan: true,
                chamberFan: true, workLight: true, airduct: false, amsKinds: [.ams, .ams2Pro, .amsHT]
            )
        case .x1e:
            ModelCapabilities(
                chamberSensor: true, chamberHeater: true, nozzleCount: 1, camera: .rtsps, auxiliaryFan: true,
                chamberFan: true, workLight: true, airduct: false, amsKinds: [.ams]
            )
        case .p1p, .p1s:
            ModelCapabilities(
                chamberSensor: false, chamberHeater: false, nozzleCount: 1, camera: .jpegStream, auxiliaryFan: true,
                chamberFan: true, workLight: false, airduct: false, amsKinds: [.ams, .ams2Pro, .amsHT]
            )
        case .a1, .a1mini, .a2l:
            ModelCapabilities(
                chamberSensor: false, chamberHeater: false, nozzleCount: 1, camera: .jpegStream, auxiliaryFan: false,
                chamberFan: false, workLight: false, airduct: false, amsKinds: [.amsLite]
            )
        case .p2s:
            ModelCapabilities(
                chamberSensor: true, chamberHeater: false, nozzleCount: 1, camera: .rtsps, auxiliaryFan: true,
                chamberFan: true, workLight: true, airduct: true, amsKinds: [.ams2Pro, .amsHT]
            )
        case .h2s:
            ModelCapabilities(
                chamberSensor: true, chamberHeater: true, nozzleCount: 1, camera: .rtsps, auxiliaryFan: true,
                chamberFan: true, workLight: true, airduct: true, amsKinds: [.ams, .ams2Pro, .amsHT],
                secondChamberLight: true
            )
        case .h2d, .h2dPro, .h2c:
            ModelCapabilities(
                chamberSensor: true, chamberHeater: true, nozzleCount: 2, camera: .rtsps, auxiliaryFan: true,
                chamberFan: true, workLight: true, airduct: true, amsKinds: [.ams, .ams2Pro, .amsHT],
                secondChamberLight: true
            )
        case .x2d:
            ModelCapabilities(
                chamberSensor: true, chamberHeater: true, nozzleCount: 2, camera: .rtsps, auxiliaryFan: true,
                chamberFan: true, workLight: true, airduct: true, amsKinds: [.ams2Pro]
            )
        }
    }
}

/// The hardware a model has, used to gate commands and shape replies.
package struct ModelCapabilities: Sendable, Equatable {
    /// A real chamber temperature sensor (P1/A1 report a placeholder instead).
    package var chamberSensor: Bool
    /// An active chamber heater that accepts a target (`M141`).
    package var chamberHeater: Bool
    /// Number of nozzles (2 on H2D-style printers).
    package var nozzleCount: Int
    /// Which camera protocol the printer speaks.
    package var camera: CameraKind
    /// An auxiliary (side) part-cooling fan.
    package var auxiliaryFan: Bool
    /// A chamber / exhaust fan.
    package var chamberFan: Bool
    /// A toolhead work light next to the chamber light.
    package var workLight: Bool
    /// Fans reported and controlled through `device.airduct`.
    package var airduct: Bool
    /// AMS units peers have seen attached to this model.
    package var amsKinds: [AMSKind]
    /// A second chamber light node (`chamber_light2`, H2 series) switched together with the first.
    package var secondChamberLight: Bool = false
}

/// How a printer streams its camera (bambu-lan.md §7).
package enum CameraKind: String, Sendable, Equatable {
    /// RTSP over TLS on port 322, H.264.
    case rtsps
    /// Framed JPEGs over TLS on port 6000.
    case jpegStream = "jpeg"
}

/// Kinds of automatic material system units (from `ams[].info` bits 0–3, bambu-lan.md §2.12).
package enum AMSKind: String, Sendable, Equatable, CaseIterable {
    case ams = "AMS"
    case amsLite = "AMS Lite"
    case ams2Pro = "AMS 2 Pro"
    case amsHT = "AMS HT"
}
