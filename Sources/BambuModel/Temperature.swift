// SPDX-License-Identifier: AGPL-3.0-or-later
// A heater's current and target temperature.

/// A heater reading: current and target in °C (target 0 = heater off).
///
/// Exists because every heater (nozzles, bed, chamber) is reported as this pair, either as two
/// float fields or as one packed integer on newer printers (bambu-lan.md §2.2).
package struct Temperature: Equatable, Sendable {
    /// The measured temperature.
    package var current: Double
    /// The set point; 0 when the heater is off or has no target.
    package var target: Double

    package init(current: Double, target: Double) {
        self.current = current
        self.target = target
    }

    /// Unpacks `device.*.temp`: low 16 bits current, high 16 bits target (HA, BPM `unpackTemperature`).
    package init(packed: Int) {
        let word = UInt32(truncatingIfNeeded: packed)
        self.init(current: Double(word & 0xFFFF), target: Double(word >> 16))
    }
}
