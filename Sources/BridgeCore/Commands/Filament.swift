// SPDX-License-Identifier: AGPL-3.0-or-later
// Filament codes: M701/M702 load and unload, M600 (not supported).

import BambuModel
import GCode

extension [CommandSpec] {
    /// The filament family (bambu-lan.md §3.9).
    static let filament: Self = [
        CommandSpec(
            .m(701), "Load filament from an AMS slot or the external spool",
            parameters: [
                ("A", slotUnitMeaning),
                ("S", "slot 0–3 (AMS, AMS Lite, AMS 2 Pro); 0 on AMS HT and external spools (default 0)"),
            ],
            translation:
                "print.ams_change_filament ams_id, slot_id, target (global tray: unit×4+slot; the unit id on AMS HT; 254 for the external spool, sent as ams_id 255), curr_temp = loaded filament's nozzle_temp_max, tar_temp = new filament's (220 when unknown, clamped 120–300)",
            requires: .printerOnline, models: "all models (AMS slots or the external spool)"
        ) { command, context in
            let parameters = command.spaced
            try context.ensureNotPrinting(command.code)
            let slot = try FilamentSlot.resolve(parameters, context)
            guard let filament = slot.filament else {
                throw CommandError("M701 \(slot.address): the slot is empty (set the spool with M8123 if it is loaded)")
            }
            let extruder = slot.extruder(nozzleCount: context.model.capabilities.nozzleCount)
            let current = FilamentDefaults.changeTemperature(context.loadedSlot(extruder: extruder)?.filament)
            let target = FilamentDefaults.changeTemperature(filament)
            switch slot {
            case .ams(let unit, let slotIndex, _):
                // The vendor slicer computes the global tray id only for 4-slot units (ids below 16).
                let tray = unit.id < 16 ? unit.id * 4 + slotIndex : unit.id
                context.send(
                    .amsLoadFilament(
                        amsID: unit.id, slotID: slotIndex, target: tray, currentTemperature: current,
                        targetTemperature: target))
            case .external(let holder, _):
                let twoNozzles = context.model.capabilities.nozzleCount > 1
                context.send(
                    .amsLoadFilament(
                        amsID: twoNozzles ? holder : 255, slotID: 0, target: twoNozzles ? holder : 254,
                        currentTemperature: current, targetTemperature: target))
            }
        },
        CommandSpec(
            .m(702), "Unload the filament at the nozzle",
            parameters: [("T", "nozzle on two-nozzle models: 0 right, 1 left (default: the active nozzle)")],
            translation:
                "print.ams_change_filament ams_id = loaded unit (255 for the external spool), target 255, slot_id 255, curr_temp = tar_temp = loaded filament's nozzle_temp_max",
            requires: .printerOnline, models: "all models (AMS slots or the external spool)"
        ) { command, context in
            let parameters = command.spaced
            try context.ensureNotPrinting(command.code)
            let nozzleCount = context.model.capabilities.nozzleCount
            let extruder = try parameters.int("T", in: 0...1) ?? context.printer.activeExtruder
            guard extruder < nozzleCount else { throw CommandError("M702 T\(extruder) Invalid extruder") }
            guard let loaded = context.loadedSlot(extruder: extruder) else {
                throw CommandError(
                    nozzleCount > 1
                        ? "M702 T\(extruder): no filament is loaded in the \(extruder == 0 ? "right" : "left") nozzle"
                        : "M702: no filament is loaded")
            }
            let temperature = FilamentDefaults.changeTemperature(loaded.filament)
            let amsID: Int
            switch loaded {
            case .ams(let unit, _, _): amsID = unit.id
            case .external(let holder, _): amsID = nozzleCount > 1 ? holder : 255
            }
            context.send(.amsUnloadFilament(amsID: amsID, currentTemperature: temperature, targetTemperature: temperature))
        },
        CommandSpec(
            .m(600), "Filament change: not supported (answered with a notice)",
            translation: "none (never published)"
        ) { _, context in
            context.reply(.echo("M600: filament change is not supported on Bambu printers; use M701/M702 or the AMS"))
        },
    ]
}

/// The meaning of `A` in every code that names a slot.
let slotUnitMeaning =
    "unit: 0–3 AMS / AMS Lite / AMS 2 Pro, 128–135 AMS HT, 254 external spool (left holder on two-nozzle models), 255 right external holder on two-nozzle models"
