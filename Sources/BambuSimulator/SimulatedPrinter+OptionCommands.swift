// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated printer's options, detectors, nozzle hardware, profile selection and calibration runs.

import BambuModel

/// What the option, detector, nozzle, profile and calibration requests changed.
///
/// Exists so those requests show in the reports the way real printers confirm them (bambu-lan.md §2.9–§2.11,
/// §2.16, §3.15–§3.20) while the base report code stays unaware of them: the status body is patched once,
/// by `applyOptionState(to:)`.
struct SimulatedOptions: Sendable {
    /// Detector states set by `xcam_control_set`: enabled and sensitivity.
    var detectors: [CameraDetector: (enabled: Bool, sensitivity: String?)] = [:]
    /// Nozzle hardware set by `set_accessories` (index 0) or `set_nozzle` (by id).
    var nozzles: [Int: (type: String, diameter: Double)] = [:]
    /// `cali_idx` by global tray id, set by `extrusion_cali_sel`.
    var calibrationIndexes: [Int: Int] = [:]
    /// `air_purification` mode (not reported by real printers, kept for the console).
    var airPurification = 0
    /// A running `calibration`: its stage ids and when it started.
    var calibration: (stages: [Int], start: Duration)?

    /// Seconds each calibration stage shows in `stg_cur`.
    static let stageSeconds = 2
    /// `xcam.cfg` before any change: AI monitoring on with medium sensitivity, other detectors off.
    static let defaultCameraConfig = 1 << 7 | 1 << 8
}

extension SimulatedPrinter {
    /// Runs the option requests; nil for any other request.
    mutating func performOption(module: String, command: String, body: JSONObject, at now: Duration) -> CommandOutcome? {
        switch (module, command) {
        case ("print", "print_option"):
            return setPrintOption(body)
        case ("xcam", "xcam_control_set"):
            guard let name = body["module_name"]?.stringValue, let detector = CameraDetector(rawValue: name)
                ?? (name == "spaghetti_detector" ? .printingMonitor : nil)
            else { return .failed(reason: "unknown module_name") }
            guard let enabled = body["enable"]?.boolValue ?? body["control"]?.boolValue else {
                return .failed(reason: "missing enable")
            }
            let sensitivity = body["halt_print_sensitivity"]?.stringValue ?? options.detectors[detector]?.sensitivity
            options.detectors[detector] = (enabled, sensitivity)
            return .success
        case ("system", "set_accessories"):
            guard body["accessory_type"]?.stringValue == "nozzle", let type = body["nozzle_type"]?.stringValue,
                let diameter = body["nozzle_diameter"]?.doubleValue
            else { return .failed(reason: "invalid accessory") }
            options.nozzles[0] = (type, diameter)
            return .success
        case ("print", "set_nozzle"):
            guard let id = body["id"]?.intValue, nozzles.indices.contains(id), let type = body["type"]?.stringValue,
                let diameter = body["diameter"]?.doubleValue
            else { return .failed(reason: "invalid nozzle") }
            options.nozzles[id] = (type, diameter)
            return .success
        case ("print", "extrusion_cali_sel"):
            guard let tray = body["tray_id"]?.intValue, let index = body["cali_idx"]?.intValue else {
                return .failed(reason: "missing tray_id or cali_idx")
            }
            options.calibrationIndexes[tray] = index
            return .success
        case ("print", "calibration"):
            guard !job.isBusy, options.calibration == nil else { return .failed(reason: "the printer is busy") }
            let option = body["option"]?.intValue ?? 0
            var stages = [13]
            for (bit, stage) in [(0, 12), (1, 1), (2, 3), (3, 25)] where option >> bit & 1 == 1 { stages.append(stage) }
            options.calibration = (stages, now)
            return .success
        default:
            return nil
        }
    }

    /// `print_option`: flips the option's `home_flag` bit (§2.10); `air_purification` is only stored.
    private mutating func setPrintOption(_ body: JSONObject) -> CommandOutcome {
        let bits: [(key: String, bit: HomeFlagBit)] = [
            ("auto_recovery", .autoRecovery), ("sound_enable", .sound), ("filament_tangle_detect", .tangleDetect),
            ("auto_switch_filament", .autoSwitchFilament), ("nozzle_blob_detect", .nozzleBlobDetect),
            ("air_print_detect", .airPrintDetect),
        ]
        for (key, bit) in bits {
            guard let on = body[key]?.boolValue else { continue }
            let mask = Int32(truncatingIfNeeded: bit.mask)
            homeFlag = on ? homeFlag | mask : homeFlag & ~mask
        }
        if let mode = body["air_purification"]?.intValue {
            guard (0...2).contains(mode) else { return .failed(reason: "invalid air_purification") }
            options.airPurification = mode
        }
        return .success
    }

    /// The calibration stage at `now`, or nil when none runs (a finished run is forgotten lazily).
    func calibrationStage(at now: Duration) -> Int? {
        guard let calibration = options.calibration else { return nil }
        let index = Int((now - calibration.start) / .seconds(SimulatedOptions.stageSeconds))
        return calibration.stages.indices.contains(index) ? calibration.stages[index] : nil
    }

    /// Ends a calibration run whose stages are over (called as time advances).
    mutating func finishCalibrationIfDone(at now: Duration) {
        if options.calibration != nil, calibrationStage(at: now) == nil { options.calibration = nil }
    }

    /// Patches the status body with the option state: detectors in `xcam`, nozzles, `cali_idx`, and the
    /// calibration stage in `stg_cur`.
    func applyOptionState(to body: inout JSONObject) {
        if case .object(var xcam)? = body["xcam"] {
            for (detector, state) in options.detectors.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                guard let field = detector.reportField else { continue }
                if xcam[field] != nil || detector == .buildplateMarker { xcam[field] = .bool(state.enabled) }
                if detector == .printingMonitor, !profile.sendsDeltas {
                    xcam["spaghetti_detector"] = .bool(state.enabled)
                    if let sensitivity = state.sensitivity { xcam["halt_print_sensitivity"] = .string(sensitivity) }
                }
            }
            if !profile.sendsDeltas { xcam["cfg"] = .int(Int64(cameraConfig)) }
            body["xcam"] = .object(xcam)
        }
        if let nozzle = options.nozzles[0], nozzles.count == 1 {
            body["nozzle_diameter"] = .string(JSONValue.double(nozzle.diameter).serialized)
            body["nozzle_type"] = .string(nozzle.type)
        }
        if !options.nozzles.isEmpty, case .object(var device)? = body["device"], case .object(var block)? = device["nozzle"],
            var list = block["info"]?.arrayValue
        {
            for index in list.indices {
                guard case .object(var entry) = list[index], let id = entry["id"]?.intValue,
                    let nozzle = options.nozzles[id]
                else { continue }
                entry["type"] = .string(nozzle.type)
                entry["diameter"] = .double(nozzle.diameter)
                list[index] = .object(entry)
            }
            block["info"] = .array(list)
            device["nozzle"] = .object(block)
            body["device"] = .object(device)
        }
        if !options.calibrationIndexes.isEmpty { applyCalibrationIndexes(to: &body) }
        if let clock, let stage = calibrationStage(at: clock) {
            body["stg_cur"] = .int(Int64(stage))
            body["print_type"] = "system"
        }
    }

    /// `xcam.cfg` with the detectors set so far (§2.11: enable bit, then two sensitivity bits).
    private var cameraConfig: Int {
        var config = SimulatedOptions.defaultCameraConfig
        for (detector, state) in options.detectors {
            guard let bits = detector.configBits else { continue }
            config = state.enabled ? config | 1 << bits.enabled : config & ~(1 << bits.enabled)
            if let shift = bits.sensitivity, let sensitivity = state.sensitivity,
                let level = CameraDetector.sensitivities.firstIndex(of: sensitivity)
            {
                config = config & ~(0x3 << shift) | level << shift
            }
        }
        return config
    }

    /// Sets `cali_idx` on the AMS trays (global id = unit × 4 + slot) and the external holders.
    private func applyCalibrationIndexes(to body: inout JSONObject) {
        let patch = { (tray: JSONValue, globalID: Int) -> JSONValue in
            guard case .object(var object) = tray, let index = self.options.calibrationIndexes[globalID] else { return tray }
            object["cali_idx"] = .int(Int64(index))
            return .object(object)
        }
        if case .object(var block)? = body["ams"], var units = block["ams"]?.arrayValue {
            for unitIndex in units.indices {
                guard case .object(var unit) = units[unitIndex], let unitID = unit["id"]?.intValue,
                    let trays = unit["tray"]?.arrayValue
                else { continue }
                unit["tray"] = .array(trays.map { tray in
                    let slot = tray["id"]?.intValue ?? 0
                    return patch(tray, unitID < 128 ? unitID * 4 + slot : unitID)
                })
                units[unitIndex] = .object(unit)
            }
            block["ams"] = .array(units)
            body["ams"] = .object(block)
        }
        if let tray = body["vt_tray"] { body["vt_tray"] = patch(tray, tray["id"]?.intValue ?? 254) }
        if let slots = body["vir_slot"]?.arrayValue {
            body["vir_slot"] = .array(slots.map { patch($0, $0["id"]?.intValue ?? 254) })
        }
    }
}
