// SPDX-License-Identifier: AGPL-3.0-or-later
// Where the filament at a nozzle comes from: an AMS slot or an external spool holder.

/// A filament slot the printer can feed from, decoded from the two encodings printers use.
///
/// Exists because the loaded slot arrives as a global tray id in `ams.tray_now` (`unit * 4 + slot`,
/// 128–135 for AMS HT, 254 external, 255 none) on single-nozzle printers and as a packed
/// `unit << 8 | slot` in `device.extruder.info[].snow` on two-nozzle printers (bambu-lan.md §2.3,
/// §2.12); replies and commands should not care which.
package enum FilamentSource: Equatable, Sendable, Hashable {
    /// Slot `slot` (0–3; always 0 on AMS HT) of AMS unit `unit`.
    case ams(unit: Int, slot: Int)
    /// External spool holder 254 (single-nozzle holder, or the deputy/left one) or 255 (main/right).
    case external(holder: Int)

    /// Decodes a global tray id; `nil` for 255 (nothing loaded) and values outside the known ranges.
    package init?(globalTrayID id: Int) {
        switch id {
        case 254: self = .external(holder: 254)
        case AMSUnit.htIDs: self = .ams(unit: id, slot: 0)
        case 0..<128: self = .ams(unit: id / 4, slot: id % 4)
        default: return nil
        }
    }

    /// Decodes a packed `snow`/`spre`/`star` value; `nil` when the slot byte is 0xFF (nothing loaded).
    package init?(packed value: Int) {
        let unit = (value >> 8) & 0xFF
        let slot = value & 0xFF
        switch (unit, slot) {
        case (_, 0xFF): return nil
        case (254, _), (255, _): self = .external(holder: unit)
        default: self = .ams(unit: unit, slot: slot)
        }
    }

    /// The global tray id (`tray_now` encoding): `unit * 4 + slot` for 4-slot units, the unit id for AMS
    /// HT, the holder id for external spools (bambu-lan.md §2.12, §3.9).
    package var globalTrayID: Int {
        switch self {
        case .ams(let unit, let slot): AMSUnit.htIDs.contains(unit) ? unit : unit * 4 + slot
        case .external(let holder): holder
        }
    }
}
