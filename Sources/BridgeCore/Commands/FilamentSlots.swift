// SPDX-License-Identifier: AGPL-3.0-or-later
// Tray addressing (A<unit> S<slot>) and filament defaults shared by the filament and AMS codes.

import BambuModel
import GCode

/// A slot a host names with `A<unit> S<slot>`, resolved against what the printer reports.
///
/// Exists so every filament and AMS code addresses trays the same way: `A0`–`A3` (and up to `A127`)
/// 4-slot units (AMS, AMS Lite, AMS 2 Pro) with `S0`–`S3`, `A128`–`A135` AMS HT units (`S0`, the
/// default), `A254` the external spool (the deputy/left holder on two-nozzle printers) and `A255`
/// the main/right holder on two-nozzle printers (an alias of `A254` elsewhere).
enum FilamentSlot {
    /// Slot `slot` of `unit`; `tray` is `nil` when the printer reported nothing for the slot.
    case ams(unit: AMSUnit, slot: Int, tray: AMSTray?)
    /// External holder 254 or 255 (always 254 on single-nozzle printers).
    case external(holder: Int, tray: AMSTray?)

    /// The host-facing address, e.g. `A0 S2` or `A254`.
    var address: String {
        switch self {
        case .ams(let unit, let slot, _): "A\(unit.id) S\(slot)"
        case .external(let holder, _): "A\(holder)"
        }
    }

    /// The filament in the slot, `nil` when empty or unknown.
    var filament: AMSTray? {
        switch self {
        case .ams(_, _, let tray), .external(_, let tray): tray.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// The reported tray, empty or not.
    var tray: AMSTray? {
        switch self {
        case .ams(_, _, let tray), .external(_, let tray): tray
        }
    }

    /// The nozzle this slot feeds: the unit's `info` extruder, 0 for holder 255, 1 for holder 254
    /// (two-nozzle printers); always 0 on single-nozzle printers.
    func extruder(nozzleCount: Int) -> Int {
        guard nozzleCount > 1 else { return 0 }
        switch self {
        case .ams(let unit, _, _): return min(unit.extruder ?? 0, nozzleCount - 1)
        case .external(let holder, _): return holder == 255 ? 0 : 1
        }
    }

    /// Reads `A` (required) and `S` (default 0) and finds the slot in the printer's state.
    ///
    /// - Parameter allowExternal: whether `A254`/`A255` are accepted.
    /// - Throws: `CommandError` for a missing or unknown unit, a printer without AMS, or a bad slot.
    static func resolve(
        _ parameters: GCodeCommand, _ context: CommandContext, allowExternal: Bool = true
    ) throws(CommandError) -> FilamentSlot {
        let code = parameters.code
        guard let unitID = try parameters.int("A", in: 0...255) else {
            throw CommandError("\(code): parameter A is required (A0–A3 AMS, A128–A135 AMS HT, A254/A255 external spool)")
        }
        if unitID >= 254 {
            guard allowExternal else { throw CommandError("\(code) A\(unitID): not possible for an external spool") }
            return external(unitID, context)
        }
        let unit = try unit(unitID, code: code, context)
        let slotCount = unit.kind == .amsHT ? 1 : 4
        let slot = try parameters.int("S", in: 0...255) ?? 0
        guard slot < slotCount else {
            throw CommandError(
                slotCount == 1
                    ? "\(code) A\(unitID) S\(slot): the \(unitName(unit, context)) has one slot (S0)"
                    : "\(code) A\(unitID) S\(slot): slots are S0–S3")
        }
        return .ams(unit: unit, slot: slot, tray: unit.trays.first { $0.id == slot })
    }

    /// The reported unit `id`.
    /// - Throws: `CommandError` when the printer reports no AMS, or not this unit.
    static func unit(_ id: Int, code: CommandCode, _ context: CommandContext) throws(CommandError) -> AMSUnit {
        let units = context.printer.amsUnits
        guard !units.isEmpty else { throw CommandError("\(code) A\(id): the \(context.model.productName) reports no AMS") }
        guard let unit = units.first(where: { $0.id == id }) else {
            let known = units.map { "A\($0.id)" }.joined(separator: ", ")
            throw CommandError("\(code) A\(id): no such AMS unit (the printer reports \(known))")
        }
        return unit
    }

    /// External holder `id` (254/255); single-nozzle printers have one holder, reported as 254.
    private static func external(_ id: Int, _ context: CommandContext) -> FilamentSlot {
        let spools = context.printer.externalSpools
        if context.model.capabilities.nozzleCount > 1 {
            return .external(holder: id, tray: spools.first { $0.id == id })
        }
        return .external(holder: 254, tray: spools.first)
    }

    /// The unit's kind for display: its `info` type, else the model's only AMS kind (A1: AMS Lite).
    static func kind(of unit: AMSUnit, _ model: PrinterModel) -> AMSKind? {
        if let kind = unit.kind { return kind }
        let kinds = model.capabilities.amsKinds
        return kinds.count == 1 ? kinds.first : nil
    }

    /// "AMS 2 Pro", or "AMS unit" when the type is unknown.
    static func unitName(_ unit: AMSUnit, _ context: CommandContext) -> String {
        kind(of: unit, context.model)?.rawValue ?? "AMS unit"
    }
}

extension CommandContext {
    /// The filament loaded at `extruder`, as a slot of the printer's state; `nil` when none.
    func loadedSlot(extruder: Int) -> FilamentSlot? {
        let loaded = printer.loadedFilament
        guard loaded.indices.contains(extruder), let source = loaded[extruder] else { return nil }
        switch source {
        case .ams(let unitID, let slot):
            guard let unit = printer.amsUnits.first(where: { $0.id == unitID }) else {
                return .ams(unit: AMSUnit(id: unitID), slot: slot, tray: nil)
            }
            return .ams(unit: unit, slot: slot, tray: unit.trays.first { $0.id == slot })
        case .external(let holder):
            let spools = printer.externalSpools
            if model.capabilities.nozzleCount > 1 {
                return .external(holder: holder, tray: spools.first { $0.id == holder })
            }
            return .external(holder: 254, tray: spools.first)
        }
    }

    /// Refuses filament moves while a job prints (the printer would change filament mid-print).
    func ensureNotPrinting(_ code: CommandCode) throws(CommandError) {
        if let state = printer.gcodeState, ["PREPARE", "RUNNING", "SLICING"].contains(state) {
            throw CommandError("\(code): the printer is printing (\(state)); change filament when the job is paused or done")
        }
    }
}

/// Filament defaults: generic presets and the temperature rule for `ams_change_filament`.
///
/// Exists to keep the few numbers these codes invent in one place: Bambu's generic preset id per
/// material (used by `M8123` when no `I` is given, bambu-lan.md §3.11) with that preset's nozzle
/// range, and the load/unload temperature rule (§3.9: the vendor slicer uses 220 °C when unknown and
/// clamps to 120–300 °C).
enum FilamentDefaults {
    /// Material → generic preset id and nozzle range (°C), as Bambu Studio's generic profiles have them.
    static let generic: [String: (filamentID: String, nozzleMin: Int, nozzleMax: Int)] = [
        "PLA": ("GFL99", 190, 240),
        "PLA-CF": ("GFL98", 210, 240),
        "PETG": ("GFG99", 220, 270),
        "PETG-CF": ("GFG98", 240, 270),
        "ABS": ("GFB99", 240, 270),
        "ASA": ("GFB98", 240, 280),
        "TPU": ("GFU99", 200, 250),
        "PA": ("GFN99", 260, 290),
        "PA-CF": ("GFN98", 260, 290),
        "PC": ("GFC99", 260, 290),
        "PVA": ("GFS99", 220, 250),
    ]

    /// Temperature used when a filament's range is unknown.
    static let unknownTemperature = 220

    /// The `ams_change_filament` temperature for a filament: its `nozzle_temp_max`, 220 °C when
    /// unknown or 0, clamped to 120–300 °C.
    static func changeTemperature(_ tray: AMSTray?) -> Int {
        guard let maximum = tray?.nozzleTempMax, maximum > 0 else { return unknownTemperature }
        return min(max(maximum, 120), 300)
    }
}
