// SPDX-License-Identifier: AGPL-3.0-or-later
// The printer fans a host can ask about.

/// One of the printer's fans (bambu-lan.md §2.6).
///
/// Exists to name fans independently of the three report encodings (0–15 strings, `fan_gear`
/// bytes, airduct parts) so `PrinterState.fanPercent(_:)` can hide which one a model uses.
package enum Fan: Sendable, Hashable, CaseIterable {
    /// Part-cooling fan (`cooling_fan_speed`, M106 P1).
    case part
    /// Auxiliary side fan (`big_fan1_speed`, M106 P2).
    case auxiliary
    /// Chamber / exhaust fan (`big_fan2_speed`, M106 P3).
    case chamber
    /// Hotend heatbreak fan (`heatbreak_fan_speed`), reported but not controllable.
    case heatbreak
}
