// SPDX-License-Identifier: AGPL-3.0-or-later
// What the simulated printer does with the AMS requests (bambu-lan.md §3.9–§3.14).

import BambuModel

extension SimulatedPrinter {
    /// Runs one `print.ams_*` request.
    ///
    /// Effects show in later reports: a load or unload takes `SimulatedAMS.changeDuration` and moves
    /// `tray_now`/`tray_pre`/`tray_tar` (and `snow` on two-nozzle printers) with `ams_status` 0x100 while it
    /// runs; `ams_control pause` holds it (`ams_status` sub-state 1), `resume` continues, `done` finishes,
    /// `reset`/`abort` cancel; the dryer sets `info` bits 4–7 to 2 and counts `dry_time` down; a tag read
    /// sets `tray_reading_bits` for `SimulatedAMS.readDuration`; spool edits change the tray fields; user
    /// settings flip `insert_flag`, `power_on_flag` and `home_flag` bit 7. Requests naming an unknown unit,
    /// slot or parameter fail with a reason, as the printer refuses them. Unknown `ams_*` commands succeed
    /// without effect.
    mutating func performAMS(command: String, body: JSONObject) -> CommandOutcome {
        switch command {
        case "ams_change_filament": changeFilament(body)
        case "ams_control": amsControl(body["param"]?.stringValue ?? "")
        case "ams_filament_drying": dry(body)
        case "ams_get_rfid": readTag(body)
        case "ams_filament_setting": setSpool(body)
        case "ams_user_setting": userSetting(body)
        default: .success
        }
    }

    // MARK: Load and unload (§3.9)

    private mutating func changeFilament(_ body: JSONObject) -> CommandOutcome {
        guard !job.isBusy else { return .failed(reason: "the printer is printing") }
        guard ams.change == nil else { return .failed(reason: "a filament change is in progress") }
        guard let target = body["target"]?.intValue else { return .failed(reason: "target missing") }
        // Unload: target 255 with slot_id 255 (or the old target-only form). A load of the main external
        // holder of a two-nozzle printer also has target 255, but slot_id 0.
        let slotID = body["slot_id"]?.intValue
        if target == 255 && (slotID == 255 || (slotID == nil && body["ams_id"] == nil)) {
            let extruder: Int
            if let amsID = body["ams_id"]?.intValue {
                guard let index = ams.loaded.firstIndex(where: { holds($0, amsID: amsID) }) else {
                    return .failed(reason: "no filament loaded from ams_id \(amsID)")
                }
                extruder = index
            } else {
                extruder = activeExtruder
            }
            guard ams.loaded.indices.contains(extruder), ams.loaded[extruder] != nil else {
                return .failed(reason: "no filament loaded")
            }
            ams.change = SimulatedAMS.Change(target: nil, extruder: extruder, left: SimulatedAMS.changeDuration)
            return .success
        }
        let source: FilamentSource
        if let amsID = body["ams_id"]?.intValue {
            switch amsID {
            case 254, 255: source = .external(holder: ams.isDualNozzle ? amsID : 254)
            default: source = .ams(unit: amsID, slot: slotID ?? 0)
            }
        } else if let decoded = FilamentSource(globalTrayID: target) {
            source = decoded
        } else {
            return .failed(reason: "target \(target) invalid")
        }
        if case .ams(let unit, let slot) = source {
            guard let index = ams.unitIndex(unit) else { return .failed(reason: "ams_id \(unit) invalid") }
            guard ams.units[index].trays.indices.contains(slot) else { return .failed(reason: "slot_id \(slot) invalid") }
        }
        guard ams.spool(at: source) != nil else { return .failed(reason: "the slot is empty") }
        ams.change = SimulatedAMS.Change(
            target: source, extruder: extruder(feeding: source), left: SimulatedAMS.changeDuration)
        return .success
    }

    /// Whether `source` is a slot of `amsID` (a unit, or an external holder; 254 and 255 both name the
    /// single holder of single-nozzle printers).
    private func holds(_ source: FilamentSource?, amsID: Int) -> Bool {
        switch source {
        case .ams(let unit, _)?: unit == amsID
        case .external(let holder)?: amsID >= 254 && (!ams.isDualNozzle || holder == amsID)
        case nil: false
        }
    }

    /// The nozzle a slot feeds: the unit's extruder; holder 255 the right (0), 254 the left (1) nozzle.
    private func extruder(feeding source: FilamentSource) -> Int {
        guard ams.isDualNozzle else { return 0 }
        switch source {
        case .ams(let unit, _): return min(ams.units.first { $0.id == unit }?.extruder ?? 0, ams.loaded.count - 1)
        case .external(let holder): return holder == 255 ? 0 : 1
        }
    }

    // MARK: AMS control (§3.10)

    private mutating func amsControl(_ parameter: String) -> CommandOutcome {
        switch parameter {
        case "pause": ams.change?.paused = true
        case "resume": ams.change?.paused = false
        case "done": if let running = ams.change { ams.finish(running) }
        case "reset", "abort": ams.change = nil
        default: return .failed(reason: "param \(parameter) invalid")
        }
        return .success
    }

    // MARK: Dryer (§3.14)

    private mutating func dry(_ body: JSONObject) -> CommandOutcome {
        guard let id = body["ams_id"]?.intValue, let index = ams.unitIndex(id) else {
            return .failed(reason: "ams_id invalid")
        }
        guard ams.units[index].hasDryer else { return .failed(reason: "the unit has no dryer") }
        guard body["mode"]?.intValue == 1 else {
            ams.units[index].dryerState = 0
            ams.units[index].dryingLeft = .zero
            return .success
        }
        let range = ams.units[index].kind == .amsHT ? 45...85 : 45...65
        guard let temperature = body["temp"]?.intValue, range.contains(temperature) else {
            return .failed(reason: "temp out of range")
        }
        guard let hours = body["duration"]?.intValue, (1...24).contains(hours) else {
            return .failed(reason: "duration out of range")
        }
        ams.units[index].dryerState = 2
        ams.units[index].dryingLeft = .seconds(hours * 3600)
        ams.units[index].drySetting = (temperature, hours, body["filament"]?.stringValue ?? "")
        return .success
    }

    // MARK: Tags (§3.13)

    private mutating func readTag(_ body: JSONObject) -> CommandOutcome {
        guard let id = body["ams_id"]?.intValue, let index = ams.unitIndex(id) else {
            return .failed(reason: "ams_id invalid")
        }
        guard let slot = body["slot_id"]?.intValue, ams.units[index].trays.indices.contains(slot) else {
            return .failed(reason: "slot_id invalid")
        }
        ams.units[index].reading[slot] = SimulatedAMS.readDuration
        return .success
    }

    // MARK: Spool edit (§3.11)

    private mutating func setSpool(_ body: JSONObject) -> CommandOutcome {
        guard let amsID = body["ams_id"]?.intValue else { return .failed(reason: "ams_id missing") }
        let material = body["tray_type"]?.stringValue ?? ""
        func spool(replacing old: SimulatedAMS.Spool?) -> SimulatedAMS.Spool? {
            guard !material.isEmpty else { return nil }
            return SimulatedAMS.Spool(
                material: material, subBrand: "", filamentID: body["tray_info_idx"]?.stringValue ?? "",
                color: body["tray_color"]?.stringValue ?? "FFFFFFFF",
                nozzleMin: body["nozzle_temp_min"]?.intValue ?? 0, nozzleMax: body["nozzle_temp_max"]?.intValue ?? 0,
                remain: old?.remain ?? -1)
        }
        if amsID >= 254 {
            let holder = ams.isDualNozzle ? amsID : 254
            ams.external[holder] = spool(replacing: ams.external[holder] ?? nil)
            return .success
        }
        guard let index = ams.unitIndex(amsID) else { return .failed(reason: "ams_id invalid") }
        guard let slot = body["slot_id"]?.intValue ?? body["tray_id"]?.intValue,
            ams.units[index].trays.indices.contains(slot)
        else { return .failed(reason: "slot_id invalid") }
        ams.units[index].trays[slot] = spool(replacing: ams.units[index].trays[slot])
        return .success
    }

    // MARK: User settings (§3.12)

    private mutating func userSetting(_ body: JSONObject) -> CommandOutcome {
        guard let id = body["ams_id"]?.intValue, ams.unitIndex(id) != nil else {
            return .failed(reason: "ams_id invalid")
        }
        if let value = body["startup_read_option"]?.boolValue { ams.readOnPowerOn = value }
        if let value = body["tray_read_option"]?.boolValue { ams.readOnInsertion = value }
        if let value = body["calibrate_remain_flag"]?.boolValue {
            homeFlag = value ? homeFlag | 0x80 : homeFlag & ~0x80
        }
        return .success
    }
}
