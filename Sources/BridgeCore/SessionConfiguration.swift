// SPDX-License-Identifier: AGPL-3.0-or-later
// The settings one printer session needs from the configuration file.

package import BambuModel

/// What the core needs to know about one configured printer.
///
/// Exists so the pure core does not depend on the TOML configuration types; the runtime builds
/// it from the printer's configuration entry.
package struct SessionConfiguration: Sendable, Equatable {
    /// What to do with G/M-codes the table does not know.
    package enum UnknownCodePolicy: String, Sendable, Equatable {
        /// Send the line to the printer as `gcode_line`.
        case passthrough
        /// Answer `echo:Unknown command` and `ok`.
        case reject
    }

    /// The configured printer name (the pty's file name).
    package var printerName: String
    /// The printer's serial number.
    package var serial: String
    /// The printer's model.
    package var model: PrinterModel
    package var unknownCodePolicy: UnknownCodePolicy
    /// An external chamber heater that takes `M141` over `gcode_line`.
    package var externalChamber: Bool
    /// Where downloads from the printer go (`<state_dir>/downloads`); nil refuses them.
    package var downloadDirectory: String?
    /// Wall-clock time (Unix seconds) when the session's monotonic clock read zero, so the core can
    /// tell a job's elapsed time from the printer's `gcode_start_time`; nil when unknown.
    package var wallClockAtStart: Int64?

    package init(
        printerName: String, serial: String, model: PrinterModel, unknownCodePolicy: UnknownCodePolicy = .passthrough,
        externalChamber: Bool = false, downloadDirectory: String? = nil, wallClockAtStart: Int64? = nil
    ) {
        self.printerName = printerName
        self.serial = serial
        self.model = model
        self.unknownCodePolicy = unknownCodePolicy
        self.externalChamber = externalChamber
        self.downloadDirectory = downloadDirectory
        self.wallClockAtStart = wallClockAtStart
    }

    /// A UUID for `M115` that stays the same for this printer across restarts (derived from the serial).
    package var firmwareUUID: String {
        func fnv1a(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for byte in serial.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            return hash
        }
        let high = fnv1a(0xcbf2_9ce4_8422_2325)
        let low = fnv1a(0x8422_2325_cbf2_9ce4)
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        // RFC 4122 layout with version 5 and the variant bits set.
        let timeHigh = (high & 0x0fff) | 0x5000
        let clock = ((low >> 48) & 0x3fff) | 0x8000
        return "\(hex(high >> 32, 8))-\(hex((high >> 16) & 0xffff, 4))-\(hex(timeHigh, 4))-\(hex(clock, 4))-"
            + hex(low & 0xffff_ffff_ffff, 12)
    }
}
