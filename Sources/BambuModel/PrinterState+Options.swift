// SPDX-License-Identifier: AGPL-3.0-or-later
// Typed reads of the printer's options, detectors, nozzles, versions and upgrade state.

/// One nozzle as the printer reports it (bambu-lan.md §2.9, §2.3).
///
/// Exists because single-nozzle printers report `nozzle_diameter`/`nozzle_type` at the top level
/// while two-nozzle printers list `device.nozzle.info[]`; callers want one shape.
package struct NozzleHardware: Sendable, Equatable {
    /// 0 right/main, 1 left/deputy.
    package var id: Int
    /// `hardened_steel`, `stainless_steel`, `HS01`…; nil when not reported.
    package var type: String?
    /// The diameter as text (`0.4`); nil when not reported.
    package var diameter: String?

    package init(id: Int, type: String?, diameter: String?) {
        self.id = id
        self.type = type
        self.diameter = diameter
    }
}

/// A camera detector's confirmed state.
package struct DetectorState: Sendable, Equatable {
    package var enabled: Bool
    /// `low`, `medium` or `high` for detectors that have one and report it.
    package var sensitivity: String?

    package init(enabled: Bool, sensitivity: String?) {
        self.enabled = enabled
        self.sensitivity = sensitivity
    }
}

/// One module of the `get_version` answer (bambu-lan.md §2.17).
package struct VersionModule: Sendable, Equatable {
    package var name: String
    package var software: String
    package var hardware: String
}

extension PrinterState {
    /// A `home_flag` bit; nil when the printer has not reported `home_flag`.
    package func homeFlag(_ bit: HomeFlagBit) -> Bool? {
        guard let homeFlag else { return nil }
        return homeFlag & bit.mask != 0
    }

    /// A bit of the `fun` feature field (hex string, or integer on some firmware); false when absent.
    package func functionBit(_ bit: Int) -> Bool {
        switch print["fun"] {
        case .string(let text)?: Hex.isBitSet(bit, inHex: text)
        case .int(let number)?: bit < 64 && number >> Int64(bit) & 1 == 1
        default: false
        }
    }

    /// `xcam.cfg` (newer firmware), as an integer.
    package var cameraConfig: Int? {
        switch print["xcam"]?["cfg"] {
        case .string(let text)?: Int(text, radix: 16)
        case let value?: value.intValue
        case nil: nil
        }
    }

    /// A detector's state from its `xcam` field (and `halt_print_sensitivity` for AI monitoring), else
    /// from the `xcam.cfg` bits; nil when the printer reports neither.
    package func detector(_ detector: CameraDetector) -> DetectorState? {
        let xcam = print["xcam"]
        if let field = detector.reportField {
            let flag = xcam?[field]?.boolValue
                ?? (detector == .printingMonitor ? xcam?["spaghetti_detector"]?.boolValue : nil)
            if let flag {
                let sensitivity = detector.hasSensitivity ? xcam?["halt_print_sensitivity"]?.stringValue : nil
                return DetectorState(enabled: flag, sensitivity: sensitivity)
            }
        }
        guard let bits = detector.configBits, let config = cameraConfig else { return nil }
        let sensitivity = bits.sensitivity.map { shift in
            let level = (config >> shift) & 0x3
            return CameraDetector.sensitivities.indices.contains(level) ? CameraDetector.sensitivities[level] : "unknown"
        }
        return DetectorState(enabled: config >> bits.enabled & 1 == 1, sensitivity: sensitivity)
    }

    /// The nozzles: `device.nozzle.info[]` sorted by id when it has entries, else the top-level fields.
    package var nozzles: [NozzleHardware] {
        let listed = (print["device"]?["nozzle"]?["info"]?.arrayValue ?? []).compactMap { entry -> NozzleHardware? in
            guard let id = entry["id"]?.intValue else { return nil }
            return NozzleHardware(id: id, type: entry["type"]?.stringValue, diameter: Self.decimalText(entry["diameter"]))
        }
        if !listed.isEmpty { return listed.sorted { $0.id < $1.id } }
        if nozzleDiameter == nil && nozzleType == nil { return [] }
        return [NozzleHardware(id: 0, type: nozzleType, diameter: nozzleDiameter)]
    }

    /// The `get_version` modules with a name, in report order.
    package var versions: [VersionModule] {
        versionModules.compactMap { module in
            guard let name = module["name"]?.stringValue, !name.isEmpty else { return nil }
            return VersionModule(
                name: name, software: module["sw_ver"]?.stringValue ?? "", hardware: module["hw_ver"]?.stringValue ?? "")
        }
    }

    /// The firmware version on offer when `upgrade_state.new_version_state` is 1 (bambu-lan.md §2.15):
    /// the `ota` entry of `new_ver_list`, else `ota_new_version_number`, else `"yes"`; nil when none.
    package var firmwareUpdate: String? {
        guard let upgrade = print["upgrade_state"], upgrade["new_version_state"]?.intValue == 1 else { return nil }
        let listed = upgrade["new_ver_list"]?.arrayValue?.first { $0["name"]?.stringValue == "ota" }?["new_ver"]?
            .stringValue
        return listed ?? upgrade["ota_new_version_number"]?.stringValue ?? "yes"
    }

    /// `upgrade_state.status` while a firmware upgrade runs (anything but `IDLE`), with its progress.
    package var upgradeProgress: (status: String, progress: String)? {
        guard let upgrade = print["upgrade_state"], let status = upgrade["status"]?.stringValue,
            !status.isEmpty, status != "IDLE"
        else { return nil }
        let progress = upgrade["progress"]?.intValue.map(String.init) ?? "?"
        return (status, progress)
    }

    /// `gcode_start_time`: the job's start in epoch seconds (a string in reports); nil when absent or 0.
    package var jobStartEpoch: Int? {
        guard let seconds = print["gcode_start_time"]?.intValue, seconds > 0 else { return nil }
        return seconds
    }

    /// The `cali_idx` of a tray by global id (AMS `unit * 4 + slot`, 254/255 external); nil when unknown.
    package func calibrationIndex(trayID: Int) -> Int? {
        if trayID >= 254 {
            guard let tray = trayObject(external: trayID), tray["id"]?.intValue == trayID else { return nil }
            return tray["cali_idx"]?.intValue
        }
        for unit in print["ams"]?["ams"]?.arrayValue ?? [] {
            guard let unitID = unit["id"]?.intValue else { continue }
            for tray in unit["tray"]?.arrayValue ?? [] {
                guard let slot = tray["id"]?.intValue else { continue }
                if (unitID < 128 ? unitID * 4 + slot : unitID) == trayID { return tray["cali_idx"]?.intValue }
            }
        }
        return nil
    }

    private func trayObject(external id: Int) -> JSONValue? {
        if let slots = print["vir_slot"]?.arrayValue, !slots.isEmpty {
            return slots.first { $0["id"]?.intValue == id }
        }
        return print["vt_tray"]
    }

    /// A number or numeric string as text (`0.4`), nil otherwise.
    private static func decimalText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case let number? where number.doubleValue != nil: number.serialized
        default: nil
        }
    }
}
