// SPDX-License-Identifier: AGPL-3.0-or-later
// AMS codes M8120–M8129: control, dryer, RFID, spool edit, user settings, and the M8102 AMS status query.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The AMS family (bambu-lan.md §2.12, §3.10–§3.14).
    static let ams: Self = []
}
