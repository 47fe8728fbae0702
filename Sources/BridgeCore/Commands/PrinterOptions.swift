// SPDX-License-Identifier: AGPL-3.0-or-later
// Printer options and detectors M8130–M8139, and the M8104 options query.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The printer-options family (bambu-lan.md §2.10, §2.11, §3.15, §3.16).
    static let printerOptions: Self = []
}
