// SPDX-License-Identifier: AGPL-3.0-or-later
// Printer housekeeping M8150–M8159: refresh, calibration, raw requests.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The printer family (bambu-lan.md §3.20, §3.22).
    static let printer: Self = []
}
