// SPDX-License-Identifier: AGPL-3.0-or-later
// Nozzle codes M8140–M8149: nozzle hardware and pressure-advance profile selection.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The nozzle family (bambu-lan.md §2.9, §3.17, §3.18).
    static let nozzle: Self = [
        CommandSpec(
            .m(8140), "Tell the printer which nozzle is fitted: M8140 [T<nozzle>] D<diameter> S<type>",
            parameters: [
                ("T", "nozzle 0 right/main or 1 left (two-nozzle models; default the active one)"),
                ("D", "diameter 0.2, 0.4, 0.6 or 0.8 (default: as reported)"),
                ("S", "type: " + NozzleTypes.names.joined(separator: ", ")
                    + ", or a code like HS01 (default: as reported)"),
            ],
            translation: "system.set_accessories nozzle_diameter/nozzle_type (one nozzle); "
                + "print.set_nozzle id/type/diameter (two nozzles, type as code)",
            requires: .printerOnline
        ) { line, context in
            let command = line.spaced
            let words = command.parameters
            let count = context.model.capabilities.nozzleCount
            let index = try command.int("T", in: 0...1) ?? (count > 1 ? context.printer.activeExtruder : 0)
            guard index < count else { throw CommandError("M8140 T\(index): the \(context.model.productName) has one nozzle") }
            try OptionGates.ensureIdle(command.code, context)
            let reported = context.printer.nozzles.first { $0.id == index }
            let diameter: Double
            if command.has("D") {
                guard let value = try command.double("D", in: 0.1...1.0),
                    let allowed = NozzleTypes.diameters.first(where: { abs($0 - value) < 0.001 })
                else { throw CommandError("M8140: D\(words["D"] ?? "") is not a nozzle diameter; use 0.2, 0.4, 0.6 or 0.8") }
                diameter = allowed
            } else if let text = reported?.diameter, let value = Double(text) {
                diameter = value
            } else {
                throw CommandError("M8140: D<diameter> needed (the printer has not reported one)")
            }
            guard let typeText = words["S"] ?? reported?.type, !typeText.isEmpty else {
                throw CommandError("M8140: S<type> needed (the printer has not reported one)")
            }
            if count > 1 {
                guard let code = NozzleTypes.code(for: typeText) else {
                    throw CommandError("M8140: S\(typeText) is not a nozzle type; use \(NozzleTypes.names.joined(separator: ", ")) or a code like HS01")
                }
                context.send(.setNozzle(id: index, type: code, diameter: diameter))
            } else {
                guard let type = NozzleTypes.singleNozzleType(typeText) else {
                    throw CommandError("M8140: S\(typeText) is not a nozzle type; use \(NozzleTypes.names.joined(separator: ", ")) or a code like HS01")
                }
                context.send(.setAccessories(nozzleDiameter: diameter, nozzleType: type))
            }
        },
        CommandSpec(
            .m(8141), "Select the pressure-advance (extrusion calibration) profile of a tray: M8141 T<tray> I<index>",
            parameters: [
                ("T", "tray: AMS unit × 4 + slot (0–15), an AMS HT id (128–135), 254/255 external spool"),
                ("I", "profile index from the printer's list, -1 the default profile"),
            ],
            translation: "print.extrusion_cali_sel tray_id cali_idx filament_id nozzle_diameter "
                + "(filament and nozzle from the last report)",
            requires: .printerOnline
        ) { command, context in
            guard let tray = try command.int("T", in: 0...255) else { throw CommandError("M8141: T<tray> needed") }
            guard let index = try command.int("I", in: -1...999_999) else {
                throw CommandError("M8141: I<profile index> needed (-1 for the default profile)")
            }
            let spools = context.printer.amsUnits.flatMap { unit in
                unit.trays.map { (id: unit.id < 128 ? unit.id * 4 + $0.id : unit.id, tray: $0) }
            } + context.printer.externalSpools.map { (id: $0.id, tray: $0) }
            guard let spool = spools.first(where: { $0.id == tray })?.tray else {
                throw CommandError("M8141: the printer reports no tray \(tray)")
            }
            guard !spool.isEmpty, let filament = spool.filamentID, !filament.isEmpty else {
                throw CommandError("M8141: tray \(tray) has no known filament")
            }
            let nozzles = context.printer.nozzles
            let nozzle = nozzles.first { $0.id == context.printer.activeExtruder } ?? nozzles.first
            context.send(
                .selectExtrusionCalibration(
                    trayID: tray, calibrationIndex: index, filamentID: filament,
                    nozzleDiameter: nozzle?.diameter ?? "0.4"))
        },
    ]
}

/// Nozzle types and diameters `M8140` accepts (bambu-lan.md §2.3, §2.9, §3.17).
enum NozzleTypes {
    static let diameters: [Double] = [0.2, 0.4, 0.6, 0.8]
    /// Names single-nozzle printers take in `set_accessories`.
    static let names = ["stainless_steel", "hardened_steel", "tungsten_carbide", "brass", "E3D"]

    /// A type code `H` + flow (S, H, E, U, A, X) + two digits, e.g. `HS01`.
    static func isCode(_ text: String) -> Bool {
        let characters = Array(text.uppercased())
        return characters.count == 4 && characters[0] == "H" && "SHEUAX".contains(characters[1])
            && characters[2].isASCII && characters[2].isNumber && characters[3].isASCII && characters[3].isNumber
    }

    /// The code for two-nozzle printers: codes pass through; names map to standard flow (00 stainless,
    /// 01 hardened, 05 tungsten carbide).
    static func code(for text: String) -> String? {
        if isCode(text) { return text.uppercased() }
        switch text.lowercased() {
        case "stainless_steel": return "HS00"
        case "hardened_steel": return "HS01"
        case "tungsten_carbide": return "HS05"
        default: return nil
        }
    }

    /// The name single-nozzle printers take: a known name (any case), or a code as newer firmware reports.
    static func singleNozzleType(_ text: String) -> String? {
        if let name = names.first(where: { $0.lowercased() == text.lowercased() }) { return name }
        return isCode(text) ? text.uppercased() : nil
    }
}
