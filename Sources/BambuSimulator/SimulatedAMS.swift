// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated filament system: AMS units, the external spool holders and what each nozzle holds.

import BambuModel

/// The filament the simulated printer reports: its AMS units (or none), the external holders, the loaded
/// slot per nozzle, and the AMS operations in progress (a load or unload, a tag read, drying).
///
/// Exists to produce the `print.ams` block, `vt_tray` / `vir_slot`, the packed `snow` of two-nozzle
/// printers and the AMS `get_version` modules in the shapes real printers use (bambu-lan.md §2.3, §2.12,
/// §2.17; fixtures): every unit and tray field is a string except `remain`, `k`, `n`, `cali_idx`, `state`,
/// `dry_time`; bitmasks are hex strings with AMS HT units at bit base 16 (unit bit 4 + id − 128); an
/// empty holder has an empty `tray_type`. The AMS commands that change this state are in
/// `SimulatedPrinter+AMSCommands.swift`.
struct SimulatedAMS: Sendable, Equatable {
    /// One spool.
    struct Spool: Sendable, Equatable {
        var material: String
        var subBrand: String
        var filamentID: String
        var color: String
        var nozzleMin: Int
        var nozzleMax: Int
        var remain: Int
    }

    /// One attached unit.
    struct Unit: Sendable, Equatable {
        let kind: AMSKind
        /// 0–3, 16 on the A2L, 128–135 for AMS HT.
        let id: Int
        /// The nozzle the unit feeds (`info` bits 8–11).
        let extruder: Int
        /// One entry per slot (four, or one on AMS HT).
        var trays: [Spool?]
        /// Dryer state as `info` bits 4–7 report it: 0 off, 2 drying.
        var dryerState = 0
        /// Drying time left.
        var dryingLeft: Duration = .zero
        /// The last drying request: temperature °C, hours, filament.
        var drySetting: (temperature: Int, hours: Int, filament: String)?
        /// Slots whose tag is being read (`tray_reading_bits`), with the time left.
        var reading: [Int: Duration] = [:]

        var hasDryer: Bool { kind == .ams2Pro || kind == .amsHT }

        /// The unit's bit in `ams_exist_bits`; its tray bits start at 4 × this (bambu-lan.md §2.12).
        var maskIndex: Int {
            if AMSUnit.htIDs.contains(id) { return 4 + id - 128 }
            return id == 16 ? 6 : id
        }

        static func == (lhs: Unit, rhs: Unit) -> Bool {
            lhs.kind == rhs.kind && lhs.id == rhs.id && lhs.extruder == rhs.extruder && lhs.trays == rhs.trays
                && lhs.dryerState == rhs.dryerState && lhs.dryingLeft == rhs.dryingLeft
                && lhs.drySetting?.temperature == rhs.drySetting?.temperature
                && lhs.drySetting?.hours == rhs.drySetting?.hours
                && lhs.drySetting?.filament == rhs.drySetting?.filament && lhs.reading == rhs.reading
        }
    }

    /// A load or unload in progress.
    struct Change: Sendable, Equatable {
        /// The slot being loaded; `nil` for an unload.
        var target: FilamentSource?
        /// The nozzle it concerns.
        var extruder: Int
        /// Time left; it does not run while paused.
        var left: Duration
        /// Held by `ams_control pause`.
        var paused = false
    }

    /// The attached units, sorted by id.
    var units: [Unit]
    /// External holders by id (254 only on single-nozzle printers; 254 and 255 on two-nozzle ones).
    var external: [Int: Spool?]
    /// What each nozzle holds; `nil` = nothing.
    var loaded: [FilamentSource?]
    /// `tray_pre`: the slot loaded before the last change, per nozzle.
    var previous: [FilamentSource?]
    /// The load or unload in progress.
    var change: Change?
    /// `insert_flag`: read tags when a spool is inserted.
    var readOnInsertion = true
    /// `power_on_flag`: read tags at start-up.
    var readOnPowerOn = false

    /// How long a simulated load or unload takes.
    static let changeDuration: Duration = .seconds(4)
    /// How long a simulated tag read takes.
    static let readDuration: Duration = .seconds(2)

    /// The default spools in slots 0–3 (Bambu PLA Basic black and white, PETG HF red, PLA Matte blue).
    static let defaultSpools: [Spool?] = [
        Spool(
            material: "PLA", subBrand: "PLA Basic", filamentID: "GFA00", color: "000000FF", nozzleMin: 190,
            nozzleMax: 230, remain: 80
        ),
        Spool(
            material: "PLA", subBrand: "PLA Basic", filamentID: "GFA00", color: "FFFFFFFF", nozzleMin: 190,
            nozzleMax: 230, remain: 45
        ),
        Spool(
            material: "PETG", subBrand: "PETG HF", filamentID: "GFG02", color: "F72323FF", nozzleMin: 230,
            nozzleMax: 260, remain: 100
        ),
        Spool(
            material: "PLA", subBrand: "PLA Matte", filamentID: "GFA01", color: "0A2989FF", nozzleMin: 190,
            nozzleMax: 230, remain: 62
        ),
    ]

    /// The spool in an AMS HT (Bambu PETG-CF).
    static let htSpool = Spool(
        material: "PETG-CF", subBrand: "PETG-CF", filamentID: "GFG98", color: "2E2E2EFF", nozzleMin: 240,
        nozzleMax: 270, remain: 90
    )

    /// The spool on the external holder of a printer without AMS (P1P fixture: the holder feeds the nozzle).
    static let externalSpool = Spool(
        material: "PLA", subBrand: "", filamentID: "GFL99", color: "BCBCBCFF", nozzleMin: 190, nozzleMax: 240,
        remain: 0
    )

    init(profile: ModelProfile) {
        units = profile.amsUnits.map { unit in
            Unit(
                kind: unit.kind, id: unit.id, extruder: unit.extruder,
                trays: unit.kind == .amsHT ? [Self.htSpool] : Self.defaultSpools)
        }.sorted { $0.id < $1.id }
        let nozzleCount = max(profile.model.capabilities.nozzleCount, 1)
        if nozzleCount > 1 {
            external = [254: nil, 255: nil]
            loaded = Array(repeating: nil, count: nozzleCount)
        } else {
            external = [254: units.isEmpty ? Self.externalSpool : nil]
            loaded = [units.isEmpty ? .external(holder: 254) : nil]
        }
        previous = loaded
    }

    // MARK: Time

    /// Moves the change, tag reads and dryers forward by `span`.
    mutating func advance(by span: Duration) {
        guard span > .zero else { return }
        if var running = change, !running.paused {
            running.left -= span
            if running.left <= .zero {
                finish(running)
            } else {
                change = running
            }
        }
        for index in units.indices {
            for (slot, left) in units[index].reading {
                units[index].reading[slot] = left - span > .zero ? left - span : nil
            }
            if units[index].dryerState == 2 {
                units[index].dryingLeft -= span
                if units[index].dryingLeft <= .zero {
                    units[index].dryerState = 0
                    units[index].dryingLeft = .zero
                }
            }
        }
    }

    /// Completes a change at once (its time ran out, or `ams_control done`).
    mutating func finish(_ completed: Change) {
        previous[completed.extruder] = loaded[completed.extruder]
        loaded[completed.extruder] = completed.target
        change = nil
    }

    // MARK: Lookups

    /// The index of unit `id` in `units`.
    func unitIndex(_ id: Int) -> Int? { units.firstIndex { $0.id == id } }

    /// The spool in a slot, `nil` when empty or unknown.
    func spool(at source: FilamentSource) -> Spool? {
        switch source {
        case .ams(let unit, let slot):
            guard let index = unitIndex(unit), units[index].trays.indices.contains(slot) else { return nil }
            return units[index].trays[slot]
        case .external(let holder):
            return external[holder] ?? nil
        }
    }

    /// Whether the printer has two nozzles (two external holders, `snow` per extruder).
    var isDualNozzle: Bool { loaded.count > 1 }

    // MARK: Reports

    /// `ams_status`: main state 1 during a change (sub-state 1 while paused — the simulator's own
    /// convention), 2 while a tag is read, else 0 (bambu-lan.md §2.12).
    var status: Int {
        if let change { return 0x100 | (change.paused ? 1 : 0) }
        if units.contains(where: { !$0.reading.isEmpty }) { return 0x200 }
        return 0
    }

    /// `ams_rfid_status`: 1 while reading, 5 while switching filament, else 0.
    var rfidStatus: Int {
        if units.contains(where: { !$0.reading.isEmpty }) { return 1 }
        return change == nil ? 0 : 5
    }

    /// The `print.ams` block. `activeExtruder` picks which nozzle `tray_now` describes on two-nozzle printers.
    func report(newFirmware: Bool, activeExtruder: Int) -> JSONValue {
        var trayBits = 0
        var readingBits = 0
        var existBits = 0
        for unit in units {
            existBits |= 1 << unit.maskIndex
            for (slot, spool) in unit.trays.enumerated() where spool != nil { trayBits |= 1 << (unit.maskIndex * 4 + slot) }
            for slot in unit.reading.keys { readingBits |= 1 << (unit.maskIndex * 4 + slot) }
        }
        var block = JSONObject()
        block["ams"] = .array(units.map { unitReport($0, newFirmware: newFirmware) })
        let hex = { (value: Int) in JSONValue.string(String(value, radix: 16)) }
        let extruder = loaded.indices.contains(activeExtruder) ? activeExtruder : 0
        let global = { (source: FilamentSource?) in JSONValue.string(String(source?.globalTrayID ?? 255)) }
        block["ams_exist_bits"] = hex(existBits)
        block["tray_exist_bits"] = hex(trayBits)
        block["tray_is_bbl_bits"] = hex(trayBits)
        block["tray_tar"] = change.map { $0.target.map { global($0) } ?? "255" } ?? global(loaded[extruder])
        block["tray_now"] = global(loaded[extruder])
        block["tray_pre"] = global(previous[extruder])
        block["tray_read_done_bits"] = hex(trayBits & ~readingBits)
        block["tray_reading_bits"] = hex(readingBits)
        block["version"] = 10
        block["insert_flag"] = .bool(readOnInsertion)
        block["power_on_flag"] = .bool(readOnPowerOn)
        return .object(block)
    }

    private func unitReport(_ unit: Unit, newFirmware: Bool) -> JSONValue {
        var object: JSONObject = ["id": .string(String(unit.id)), "humidity": "5"]
        if unit.kind != .amsLite { object["humidity_raw"] = "17" }
        object["temp"] = unit.kind == .amsLite ? "0.0" : (unit.dryerState == 2 ? "55.0" : "26.2")
        let minutes = (unit.dryingLeft + .seconds(59)) / .seconds(60)
        object["dry_time"] = .int(Int64(unit.dryerState == 2 ? Int(minutes) : 0))
        object["info"] = .string(Self.info(unit))
        if unit.hasDryer, let setting = unit.drySetting {
            object["dry_setting"] = [
                "dry_temperature": .int(Int64(setting.temperature)), "dry_duration": .int(Int64(setting.hours)),
                "dry_filament": .string(setting.filament),
            ]
        }
        object["tray"] = .array(unit.trays.enumerated().map { Self.tray(id: String($0.offset), $0.element, newFirmware) })
        return .object(object)
    }

    /// `ams.ams[].info`: base (0x1000, 0x2000 on AMS HT as the fixtures show), extruder in bits 8–11,
    /// dryer state in bits 4–7, type in bits 0–3 (1 AMS, 2 AMS Lite, 3 AMS 2 Pro, 4 AMS HT).
    private static func info(_ unit: Unit) -> String {
        let type: Int
        switch unit.kind {
        case .ams: type = 1
        case .amsLite: type = 2
        case .ams2Pro: type = 3
        case .amsHT: type = 4
        }
        let base = unit.kind == .amsHT ? 0x2000 : 0x1000
        return String(base | unit.extruder << 8 | unit.dryerState << 4 | type, radix: 16, uppercase: true)
    }

    /// `vt_tray`: the single external holder (id 254) of single-nozzle printers.
    func externalTray(newFirmware: Bool) -> JSONValue {
        Self.tray(id: "254", external[254] ?? nil, newFirmware)
    }

    /// `vir_slot`: the deputy (254, left) and main (255, right) holders of dual-nozzle printers.
    func virtualSlots(newFirmware: Bool) -> JSONValue {
        [Self.tray(id: "254", external[254] ?? nil, newFirmware), Self.tray(id: "255", external[255] ?? nil, newFirmware)]
    }

    /// `device.extruder.info[extruder].snow`: `unit << 8 | slot`, `holder << 8` for external spools,
    /// slot byte 0xFF when empty (0xFFFF main, 0xFEFF deputy), bambu-lan.md §2.3.
    func packedSlot(extruder: Int) -> Int {
        switch loaded.indices.contains(extruder) ? loaded[extruder] : nil {
        case .ams(let unit, let slot)?: unit << 8 | slot
        case .external(let holder)?: holder << 8
        case nil: extruder == 0 ? 0xFFFF : 0xFEFF
        }
    }

    /// The AMS entries of `get_version` (`ams/0`, `ams_f1/0`, `n3f/0`, `n3s/128`…).
    func versionModules(printerSerial: String) -> [JSONValue] {
        units.map { unit in
            let facts: (prefix: String, hardware: String, software: String, serial: String, product: String)
            switch unit.kind {
            case .ams: facts = ("ams", "AMS08", "00.01.06.62", "006", "AMS (\(unit.id + 1))")
            case .amsLite: facts = ("ams_f1", "AMS_F102", "00.00.08.15", "03C", "AMS Lite")
            case .ams2Pro: facts = ("n3f", "N3F05", "03.00.21.29", "19C", "AMS 2 Pro (\(unit.id + 1))")
            case .amsHT: facts = ("n3s", "N3S05", "02.00.19.67", "19F", "AMS HT (\(unit.id - 127))")
            }
            return [
                "name": .string(facts.prefix + "/" + String(unit.id)), "product_name": .string(facts.product),
                "sw_ver": .string(facts.software), "hw_ver": .string(facts.hardware),
                "sn": .string(facts.serial + "00A" + String(printerSerial.suffix(9))), "loader_ver": "00.00.00.00",
                "visible": true, "flag": 0,
            ]
        }
    }

    /// One tray object; `spool == nil` is an empty slot or holder (empty strings, `00000000` colour).
    private static func tray(id: String, _ spool: Spool?, _ newFirmware: Bool) -> JSONValue {
        let color = spool?.color ?? "00000000"
        var tray: JSONObject = ["id": .string(id)]
        if spool != nil { tray["state"] = newFirmware ? 11 : 3 }
        tray["remain"] = .int(Int64(spool?.remain ?? 0))
        tray["k"] = 0.02
        tray["n"] = 1
        tray["cali_idx"] = -1
        tray["total_len"] = 330_000
        tray["tag_uid"] = "0000000000000000"
        tray["tray_id_name"] = ""
        tray["tray_info_idx"] = .string(spool?.filamentID ?? "")
        tray["tray_type"] = .string(spool?.material ?? "")
        tray["tray_sub_brands"] = .string(spool?.subBrand ?? "")
        tray["tray_color"] = .string(color)
        tray["tray_weight"] = spool == nil ? "0" : "1000"
        tray["tray_diameter"] = "1.75"
        tray["tray_temp"] = spool == nil ? "0" : "55"
        tray["tray_time"] = spool == nil ? "0" : "8"
        tray["bed_temp_type"] = "0"
        tray["bed_temp"] = "0"
        tray["nozzle_temp_max"] = .string(String(spool?.nozzleMax ?? 0))
        tray["nozzle_temp_min"] = .string(String(spool?.nozzleMin ?? 0))
        tray["xcam_info"] = "000000000000000000000000"
        tray["tray_uuid"] = "00000000000000000000000000000000"
        tray["ctype"] = 0
        tray["cols"] = [.string(color)]
        return .object(tray)
    }
}
