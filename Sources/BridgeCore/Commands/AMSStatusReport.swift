// SPDX-License-Identifier: AGPL-3.0-or-later
// The text of M8102: the AMS units, slots, external spools and AMS options as comment lines.

import BambuModel

/// The `M8102` answer, one `//` line per unit, slot and external holder, then the loaded slot(s) and
/// the AMS state and options.
///
/// Exists to keep the line format in one place and stable (hosts and scripts may parse it). Slots use
/// the same `A<unit> S<slot>` addresses the filament codes take. Lines, in order:
/// - `A<id> <kind>: humidity <index> (<percent>%), <temp>C[, dryer <state>[, <n> min left]][, feeds <side> nozzle]`
/// - `A<id> S<slot>: <material> <RRGGBBAA> [<preset>] [<min>-<max>C] remain <n>%|unknown`, or `… empty`
/// - `A254 external[ left]: …` / `A255 external right: …`, same filament fields
/// - `loaded: A<id> S<slot>|A254|none` (two nozzles: `loaded: right …, left …`)
/// - `AMS state: <main state>[ sub <n>], read on insertion on|off, read at power-on on|off, estimate remaining on|off`
enum AMSStatusReport {
    static func lines(_ state: PrinterState, model: PrinterModel) -> [String] {
        var lines: [String] = []
        let twoNozzles = model.capabilities.nozzleCount > 1
        let units = state.amsUnits
        if units.isEmpty { lines.append("no AMS") }
        for unit in units {
            lines.append(unitLine(unit, model: model, twoNozzles: twoNozzles))
            let slotCount = FilamentSlot.kind(of: unit, model) == .amsHT ? 1 : max(4, unit.trays.count)
            for slot in 0..<slotCount {
                lines.append("A\(unit.id) S\(slot): " + filament(unit.trays.first { $0.id == slot }))
            }
        }
        let spools = state.externalSpools
        if twoNozzles {
            for holder in [254, 255] {
                let side = holder == 255 ? "right" : "left"
                lines.append("A\(holder) external \(side): " + filament(spools.first { $0.id == holder }))
            }
        } else {
            lines.append("A254 external: " + filament(spools.first))
        }
        lines.append("loaded: " + loaded(state.loadedFilament, twoNozzles: twoNozzles))
        if let options = optionsLine(state) { lines.append(options) }
        return lines
    }

    private static func unitLine(_ unit: AMSUnit, model: PrinterModel, twoNozzles: Bool) -> String {
        let kind = FilamentSlot.kind(of: unit, model)
        var parts: [String] = []
        switch (unit.humidityIndex, unit.humidityPercent) {
        case (let index?, let percent?): parts.append("humidity \(index) (\(percent)%)")
        case (let index?, nil): parts.append("humidity \(index)")
        case (nil, let percent?): parts.append("humidity \(percent)%")
        case (nil, nil): break
        }
        if kind != .amsLite, let temperature = unit.temperature { parts.append("\(temperature)C") }
        if unit.hasDryer, let dryer = unit.dryerState {
            var text = "dryer " + dryerName(dryer)
            if let minutes = unit.dryMinutesLeft, minutes > 0 { text += ", \(minutes) min left" }
            parts.append(text)
        }
        if twoNozzles, let extruder = unit.extruder { parts.append("feeds \(extruder == 0 ? "right" : "left") nozzle") }
        return "A\(unit.id) \(kind?.rawValue ?? "unknown unit type"): " + parts.joined(separator: ", ")
    }

    /// `PLA 000000FF GFA01 190-230C remain 93%`, or `empty`.
    private static func filament(_ tray: AMSTray?) -> String {
        guard let tray, let material = tray.material else { return "empty" }
        var parts = [material]
        if let color = tray.color { parts.append(color) }
        if let preset = tray.filamentID { parts.append(preset) }
        if let minimum = tray.nozzleTempMin, let maximum = tray.nozzleTempMax, maximum > 0 {
            parts.append("\(minimum)-\(maximum)C")
        }
        parts.append("remain " + (tray.remainPercent.map { "\($0)%" } ?? "unknown"))
        return parts.joined(separator: " ")
    }

    private static func loaded(_ sources: [FilamentSource?], twoNozzles: Bool) -> String {
        func address(_ source: FilamentSource?) -> String {
            switch source {
            case .ams(let unit, let slot)?: "A\(unit) S\(slot)"
            case .external(let holder)?: twoNozzles ? "A\(holder)" : "A254"
            case nil: "none"
            }
        }
        guard twoNozzles else { return address(sources.first ?? nil) }
        let right = sources.first ?? nil
        let left = sources.count > 1 ? sources[1] : nil
        return "right \(address(right)), left \(address(left))"
    }

    private static func optionsLine(_ state: PrinterState) -> String? {
        var parts: [String] = []
        if let status = state.amsStatus {
            let sub = status & 0xFF
            parts.append("AMS state: " + mainStateName((status >> 8) & 0xFF) + (sub != 0 ? " sub \(sub)" : ""))
        }
        func onOff(_ value: Bool) -> String { value ? "on" : "off" }
        if let value = state.amsReadsOnInsertion { parts.append("read on insertion \(onOff(value))") }
        if let value = state.amsReadsOnPowerOn { parts.append("read at power-on \(onOff(value))") }
        if let value = state.amsCalibratesRemaining { parts.append("estimate remaining \(onOff(value))") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// `ams_status` main state names (bambu-lan.md §2.12).
    private static func mainStateName(_ value: Int) -> String {
        switch value {
        case 0: "idle"
        case 1: "filament change"
        case 2: "RFID identifying"
        case 3: "assist"
        case 4: "calibration"
        case 0x10: "self check"
        case 0x20: "debug"
        default: "unknown (\(value))"
        }
    }

    /// Dryer state names from AMS `info` bits 4–7 (bambu-lan.md §2.12).
    private static func dryerName(_ value: Int) -> String {
        switch value {
        case 0: "off"
        case 1: "checking"
        case 2: "drying"
        case 3: "cooling"
        case 4: "stopping"
        case 5: "error"
        case 6: "heater out of control"
        case 7: "product test"
        default: "unknown (\(value))"
        }
    }
}
