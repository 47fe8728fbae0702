// SPDX-License-Identifier: AGPL-3.0-or-later
// The simulated filament system: one AMS unit and the external spool holders.

import BambuModel

/// The filament the simulated printer reports: one 4-slot AMS unit (or none) plus external holders.
///
/// Exists to produce the `print.ams` block, `vt_tray` / `vir_slot` and the AMS `get_version` module in
/// the shapes real printers use (bambu-lan.md §2.12, §2.17; fixtures): every unit and tray field is a
/// string except `remain`, `k`, `n`, `cali_idx`, `state`; bitmasks are hex strings; an empty holder has
/// an empty `tray_type`. Only 4-slot units are simulated (AMS, AMS Lite, AMS 2 Pro); that is the first
/// AMS kind of every model.
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

    /// The unit's kind, `nil` when no AMS is attached.
    let kind: AMSKind?
    /// The unit's id (0, or 16 on the A2L).
    let unitID: Int
    /// The extruder the unit feeds (AMS `info` bits 8–11 on dual-nozzle printers).
    let extruder: Int
    /// The four slots.
    var trays: [Spool?]
    /// `tray_now`: 255 nothing loaded, 254 external spool.
    var trayNow: Int

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

    /// The spool on the external holder of a printer without AMS (P1P fixture: the holder feeds the nozzle).
    static let externalSpool = Spool(
        material: "PLA", subBrand: "", filamentID: "GFL99", color: "BCBCBCFF", nozzleMin: 190, nozzleMax: 240,
        remain: 0
    )

    init(profile: ModelProfile) {
        kind = profile.ams
        unitID = profile.amsUnitID
        extruder = 0
        trays = profile.ams == nil ? [] : Self.defaultSpools
        trayNow = profile.ams == nil ? 254 : 255
    }

    /// `ams.ams[].info`: 0x1000 plus the extruder in bits 8–11 and the type in bits 0–3 ("1001" AMS).
    private var info: String {
        let type: Int
        switch kind {
        case .ams?: type = 1
        case .amsLite?: type = 2
        case .ams2Pro?: type = 3
        case .amsHT?: type = 4
        case nil: type = 0
        }
        return String(0x1000 | extruder << 8 | type, radix: 16, uppercase: true)
    }

    /// The unit's bit in `ams_exist_bits` and the base of its 4 bits in the tray masks. The A2L's unit 16
    /// keeps its tray bits at base 24 (bambu-lan.md §2.12), i.e. it counts as unit 6.
    private var maskUnit: Int { unitID == 16 ? 6 : unitID }

    /// The `print.ams` block.
    func report(newFirmware: Bool) -> JSONValue {
        var trayBits = 0
        for (slot, spool) in trays.enumerated() where spool != nil { trayBits |= 1 << (maskUnit * 4 + slot) }
        var block = JSONObject()
        if let kind {
            var unit: JSONObject = ["id": .string(String(unitID)), "humidity": "5"]
            if kind != .amsLite { unit["humidity_raw"] = "17" }
            unit["temp"] = kind == .amsLite ? "0.0" : "26.2"
            unit["dry_time"] = 0
            unit["info"] = .string(info)
            unit["tray"] = .array(trays.enumerated().map { Self.tray(id: String($0.offset), $0.element, newFirmware) })
            block["ams"] = [.object(unit)]
        } else {
            block["ams"] = []
        }
        let hex = { (value: Int) in JSONValue.string(String(value, radix: 16)) }
        block["ams_exist_bits"] = hex(kind == nil ? 0 : 1 << maskUnit)
        block["tray_exist_bits"] = hex(trayBits)
        block["tray_is_bbl_bits"] = hex(trayBits)
        block["tray_tar"] = .string(String(trayNow))
        block["tray_now"] = .string(String(trayNow))
        block["tray_pre"] = .string(String(trayNow))
        block["tray_read_done_bits"] = hex(trayBits)
        block["tray_reading_bits"] = "0"
        block["version"] = 10
        block["insert_flag"] = true
        block["power_on_flag"] = false
        return .object(block)
    }

    /// `vt_tray`: the single external holder (id 254) of single-nozzle printers.
    func externalTray(newFirmware: Bool) -> JSONValue {
        Self.tray(id: "254", kind == nil ? Self.externalSpool : nil, newFirmware)
    }

    /// `vir_slot`: the deputy (254, left) and main (255, right) holders of dual-nozzle printers, empty.
    func virtualSlots(newFirmware: Bool) -> JSONValue {
        [Self.tray(id: "254", nil, newFirmware), Self.tray(id: "255", nil, newFirmware)]
    }

    /// The AMS entry of `get_version` (`ams/0`, `ams_f1/0`, `n3f/0`…), or `nil` without AMS.
    func versionModule(printerSerial: String) -> JSONValue? {
        let facts: (prefix: String, hardware: String, software: String, serial: String, product: String)
        switch kind {
        case .ams?: facts = ("ams", "AMS08", "00.01.06.62", "006", "AMS (1)")
        case .amsLite?: facts = ("ams_f1", "AMS_F102", "00.00.08.15", "03C", "AMS Lite")
        case .ams2Pro?: facts = ("n3f", "N3F05", "03.00.21.29", "19C", "AMS 2 Pro (1)")
        case .amsHT?: facts = ("n3s", "N3S05", "02.00.19.67", "19F", "AMS HT (1)")
        case nil: return nil
        }
        return [
            "name": .string(facts.prefix + "/" + String(unitID)), "product_name": .string(facts.product),
            "sw_ver": .string(facts.software), "hw_ver": .string(facts.hardware),
            "sn": .string(facts.serial + "00A" + String(printerSerial.suffix(9))), "loader_ver": "00.00.00.00",
            "visible": true, "flag": 0,
        ]
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
