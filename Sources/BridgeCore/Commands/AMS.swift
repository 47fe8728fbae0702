// SPDX-License-Identifier: AGPL-3.0-or-later
// AMS codes M8120–M8129: control, dryer, RFID, spool edit, user settings, and the M8102 AMS status query.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The AMS family (bambu-lan.md §2.12, §3.10–§3.14).
    static let ams: Self = [
        CommandSpec(
            .m(8102), "AMS status: units, slots, external spools, loaded slot and AMS options",
            translation: "none (answered from cached state as // lines)"
        ) { _, context in
            for line in AMSStatusReport.lines(context.printer, model: context.model) { context.reply(.comment(line)) }
        },
        CommandSpec(
            .m(8120), "AMS control: pause, resume, reset, done or abort the current filament operation",
            parameters: [("S", "pause, resume (retry), reset, done (confirm a load) or abort")],
            translation: "print.ams_control param <S>", requires: .printerOnline, models: "models with an AMS"
        ) { command, context in
            let parameters = command.spaced
            let actions = ["pause", "resume", "reset", "done", "abort"]
            guard let action = parameters.word("S")?.lowercased(), actions.contains(action) else {
                throw CommandError("M8120: S must be one of pause, resume, reset, done, abort")
            }
            try ensureAMS(command.code, context)
            context.send(.amsControl(action))
        },
        CommandSpec(
            .m(8121), "AMS dryer: start drying a unit, or stop it with S0",
            parameters: [
                ("A", "unit with a dryer (AMS 2 Pro 0–3, AMS HT 128–135)"),
                ("S", "temperature °C: 45–65 on AMS 2 Pro, 45–85 on AMS HT; 0 stops"),
                ("D", "duration in hours, 1–24 (default 8)"),
                ("M", "material, e.g. PETG (default: the unit's first loaded filament)"),
                ("R", "1 rotate the spools while drying (default 0)"),
            ],
            translation:
                "print.ams_filament_drying mode 1 (filament, temp, duration hours, cooling_temp 45); mode 0 with zeros to stop",
            requires: .printerOnline, models: dryerModels
        ) { command, context in
            let parameters = command.spaced
            guard let unitID = try parameters.int("A", in: 0...255) else {
                throw CommandError("M8121: parameter A is required (the unit to dry)")
            }
            let unit = try FilamentSlot.unit(unitID, code: command.code, context)
            guard unit.hasDryer else {
                throw CommandError(
                    "M8121 A\(unitID): the \(FilamentSlot.unitName(unit, context)) has no dryer (AMS 2 Pro and AMS HT have one)")
            }
            guard let temperature = try parameters.int("S", in: 0...300) else {
                throw CommandError("M8121: parameter S is required (temperature °C, or S0 to stop)")
            }
            if temperature == 0 {
                context.send(.amsDryingStop(amsID: unitID))
                return
            }
            let range = unit.kind == .amsHT ? 45...85 : 45...65
            guard range.contains(temperature) else {
                throw CommandError(
                    "M8121 A\(unitID): S\(temperature) is outside \(range.lowerBound)..\(range.upperBound) for the \(FilamentSlot.unitName(unit, context))")
            }
            let hours = try parameters.int("D", in: 1...24) ?? 8
            let material =
                try parameters.word("M").map { try materialName($0, code: command.code) }
                ?? unit.trays.first { !$0.isEmpty }?.material
            guard let material else {
                throw CommandError("M8121 A\(unitID): the unit holds no known filament; name it with M<material>")
            }
            let rotate = try parameters.flag("R") ?? false
            context.send(
                .amsDryingStart(amsID: unitID, filament: material, temperature: temperature, hours: hours, rotateTray: rotate))
        },
        CommandSpec(
            .m(8122), "Re-read the RFID tag of an AMS slot",
            parameters: [("A", "unit: 0–3, 128–135"), ("S", "slot 0–3 (0 on AMS HT, default 0)")],
            translation: "print.ams_get_rfid ams_id, slot_id", requires: .printerOnline, models: "models with an AMS"
        ) { command, context in
            let slot = try FilamentSlot.resolve(command.spaced, context, allowExternal: false)
            guard case .ams(let unit, let slotIndex, _) = slot else { return }
            context.send(.amsReadRFID(amsID: unit.id, slotID: slotIndex))
        },
        CommandSpec(
            .m(8123), "Set the filament of an AMS slot or the external spool",
            parameters: [
                ("A", slotUnitMeaning), ("S", "slot 0–3 (0 on AMS HT and external spools, default 0)"),
                ("M", "material, e.g. PLA, PETG-CF (required)"),
                ("C", "colour RRGGBB or RRGGBBAA hex (required; FF alpha added to RRGGBB)"),
                ("L", "minimum nozzle °C, 120–350 (default: the generic preset's)"),
                ("H", "maximum nozzle °C, 120–350 (default: the generic preset's)"),
                ("I", "filament preset id, e.g. GFA00 (default: the generic preset: GFL99 PLA, GFG99 PETG, GFB99 ABS, GFB98 ASA, GFU99 TPU, GFN99 PA, GFC99 PC, GFS99 PVA, GFL98 PLA-CF, GFG98 PETG-CF, GFN98 PA-CF)"),
            ],
            translation:
                "print.ams_filament_setting ams_id, slot_id, tray_id (slot; 254 for external spools, ams_id 255), tray_info_idx, tray_color, nozzle_temp_min/max, tray_type",
            requires: .printerOnline, models: "all models (AMS slots or the external spool)"
        ) { command, context in
            let parameters = command.spaced
            let slot = try FilamentSlot.resolve(parameters, context)
            guard let rawMaterial = parameters.word("M") else {
                throw CommandError("M8123: parameter M is required (material, e.g. MPLA)")
            }
            let material = try materialName(rawMaterial, code: command.code)
            guard let rawColor = parameters.word("C") else {
                throw CommandError("M8123: parameter C is required (colour RRGGBB or RRGGBBAA)")
            }
            let color = try trayColor(rawColor)
            let generic = FilamentDefaults.generic[material]
            let filamentID = try parameters.word("I").map(presetID) ?? generic?.filamentID
            guard let filamentID else {
                throw CommandError("M8123: no generic preset for \(material); give the preset id with I<id>, e.g. IGFL99")
            }
            let minimum = try parameters.int("L", in: 120...350) ?? generic?.nozzleMin
            let maximum = try parameters.int("H", in: 120...350) ?? generic?.nozzleMax
            guard let minimum, let maximum else {
                throw CommandError("M8123: no default nozzle range for \(material); give L<min> and H<max>")
            }
            guard minimum <= maximum else {
                throw CommandError("M8123: L\(minimum) is above H\(maximum)")
            }
            let setting: SpoolSetting
            switch slot {
            case .ams(let unit, let slotIndex, _):
                setting = SpoolSetting(
                    amsID: unit.id, slotID: slotIndex, trayID: slotIndex, filamentID: filamentID, color: color,
                    nozzleTempMin: minimum, nozzleTempMax: maximum, material: material)
            case .external(let holder, _):
                let twoNozzles = context.model.capabilities.nozzleCount > 1
                setting = SpoolSetting(
                    amsID: twoNozzles ? holder : 255, slotID: 0, trayID: 254, filamentID: filamentID, color: color,
                    nozzleTempMin: minimum, nozzleTempMax: maximum, material: material)
            }
            context.send(.amsFilamentSetting(setting))
        },
        CommandSpec(
            .m(8124), "AMS options: estimate remaining filament, read tags at power-on, read tags on insertion",
            parameters: [
                ("A", "unit (default: the first reported unit)"), ("R", "1/0 estimate remaining filament"),
                ("P", "1/0 read RFID tags at power-on"), ("I", "1/0 read RFID tags when a spool is inserted"),
            ],
            translation:
                "print.ams_user_setting ams_id with only the options given: startup_read_option (P), tray_read_option (I), calibrate_remain_flag (R)",
            requires: .printerOnline, models: "models with an AMS"
        ) { command, context in
            let parameters = command.spaced
            let powerOn = try parameters.flag("P")
            let insertion = try parameters.flag("I")
            let remaining = try parameters.flag("R")
            guard powerOn != nil || insertion != nil || remaining != nil else {
                throw CommandError("M8124: give at least one of R, P, I (1 on, 0 off)")
            }
            let unitID: Int
            if let requested = try parameters.int("A", in: 0...253) {
                unitID = try FilamentSlot.unit(requested, code: command.code, context).id
            } else {
                try ensureAMS(command.code, context)
                unitID = context.printer.amsUnits.first?.id ?? 0
            }
            context.send(
                .amsUserSetting(amsID: unitID, startupRead: powerOn, trayRead: insertion, calibrateRemain: remaining))
        },
    ]
}

/// The models whose AMS range includes a unit with a dryer, for the man page.
private let dryerModels: String = {
    let names = PrinterModel.allCases
        .filter { $0.capabilities.amsKinds.contains { $0 == .ams2Pro || $0 == .amsHT } }
        .map { String($0.productName.dropFirst("Bambu Lab ".count)) }
    return "models with an AMS 2 Pro or AMS HT (" + names.joined(separator: ", ") + ")"
}()

/// Refuses when the printer reports no AMS unit.
private func ensureAMS(_ code: CommandCode, _ context: CommandContext) throws(CommandError) {
    if context.printer.amsUnits.isEmpty {
        throw CommandError("\(code): the \(context.model.productName) reports no AMS")
    }
}

/// A material name: letters, digits, `-`, `+`, `_`, at most 16 characters, upper-cased.
private func materialName(_ raw: String, code: CommandCode) throws(CommandError) -> String {
    let allowed = raw.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" || $0 == "_") }
    guard !raw.isEmpty, raw.count <= 16, allowed else {
        throw CommandError("\(code): M'\(raw)' is not a material name (letters, digits, - + _; e.g. MPETG-CF)")
    }
    return raw.uppercased()
}

/// `RRGGBB` or `RRGGBBAA` (optional `#`) as upper-case `RRGGBBAA`.
private func trayColor(_ raw: String) throws(CommandError) -> String {
    let digits = raw.hasPrefix("#") ? String(raw.dropFirst()) : raw
    guard digits.count == 6 || digits.count == 8, digits.allSatisfy(\.isHexDigit) else {
        throw CommandError("M8123: C'\(raw)' is not a colour; use RRGGBB or RRGGBBAA hex, e.g. CFF8800")
    }
    return digits.uppercased() + (digits.count == 6 ? "FF" : "")
}

/// A filament preset id: letters and digits, at most 16 characters (e.g. `GFA00`, `P8d19ba6`).
private func presetID(_ raw: String) throws(CommandError) -> String {
    guard !raw.isEmpty, raw.count <= 16, raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
        throw CommandError("M8123: I'\(raw)' is not a preset id (letters and digits, e.g. IGFL99)")
    }
    return raw
}
