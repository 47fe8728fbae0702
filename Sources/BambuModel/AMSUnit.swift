// SPDX-License-Identifier: AGPL-3.0-or-later
// One automatic material system unit and its trays.

/// One AMS unit from `print.ams.ams[]` (bambu-lan.md §2.12).
///
/// Exists to decode the unit's string fields and its `info` bitfield (unit type in bits 0–3, dryer
/// state in bits 4–7, BPM `parseAMSInfo`) once, so replies need not know that AMS HT units have
/// ids 128–135 with a single slot, or that AMS Lite reports a placeholder temperature.
package struct AMSUnit: Equatable, Sendable {
    /// Unit id: 0–7 for 4-slot units, 128–135 for AMS HT, 16 for the A2L's AMS Lite.
    package var id: Int
    /// Unit type from `info`; `nil` when the unit sends no `info` (older firmware) or an unknown type.
    package var kind: AMSKind?
    /// `humidity`: the 1–5 index.
    package var humidityIndex: Int?
    /// `humidity_raw`: relative humidity in percent (newer firmware).
    package var humidityPercent: Int?
    /// `temp` in °C (`0.0` on AMS Lite, which has no sensor).
    package var temperature: Double?
    /// `dry_time`: minutes of drying left.
    package var dryMinutesLeft: Int?
    /// Dryer state from `info` bits 4–7: 0 off, 1 checking, 2 drying, 3 cooling, 4 stopping, 5 error…
    package var dryerState: Int?
    /// The extruder the unit feeds, from `info` bits 8–11 (0 right/main, 1 left/deputy on two-nozzle printers).
    package var extruder: Int?
    /// The unit's trays, sorted by slot id.
    package var trays: [AMSTray]

    package init(
        id: Int,
        kind: AMSKind? = nil,
        humidityIndex: Int? = nil,
        humidityPercent: Int? = nil,
        temperature: Double? = nil,
        dryMinutesLeft: Int? = nil,
        dryerState: Int? = nil,
        extruder: Int? = nil,
        trays: [AMSTray] = []
    ) {
        self.id = id
        self.kind = kind
        self.humidityIndex = humidityIndex
        self.humidityPercent = humidityPercent
        self.temperature = temperature
        self.dryMinutesLeft = dryMinutesLeft
        self.dryerState = dryerState
        self.extruder = extruder
        self.trays = trays
    }

    /// Reads a unit object; `nil` when it is not an object or has no numeric `id`.
    init?(_ value: JSONValue) {
        guard case .object(let unit) = value, let id = unit["id"]?.intValue else { return nil }
        let info = Hex.bits(unit["info"])
        self.init(
            id: id,
            // Units without `info` (older firmware) are still recognisable as AMS HT by their id range.
            kind: info.flatMap { Self.kind(type: $0 & 0xF) } ?? (Self.htIDs.contains(id) ? .amsHT : nil),
            humidityIndex: unit["humidity"]?.intValue,
            humidityPercent: unit["humidity_raw"]?.intValue,
            temperature: unit["temp"]?.doubleValue,
            dryMinutesLeft: unit["dry_time"]?.intValue,
            dryerState: info.map { Int(($0 >> 4) & 0xF) },
            extruder: info.map { Int(($0 >> 8) & 0xF) },
            trays: (unit["tray"]?.arrayValue ?? []).compactMap(AMSTray.init).sorted { $0.id < $1.id }
        )
    }

    /// Unit ids of AMS HT units (single slot), bambu-lan.md §2.12.
    package static let htIDs: ClosedRange<Int> = 128...135

    /// Whether the unit has a filament dryer (AMS 2 Pro and AMS HT, bambu-lan.md §3.14).
    package var hasDryer: Bool { kind == .ams2Pro || kind == .amsHT }

    /// The unit type for `info` bits 0–3: 1 AMS, 2 AMS Lite, 3 AMS 2 Pro (N3F), 4 AMS HT (N3S).
    static func kind(type: UInt64) -> AMSKind? {
        switch type {
        case 1: .ams
        case 2: .amsLite
        case 3: .ams2Pro
        case 4: .amsHT
        default: nil
        }
    }
}
