// SPDX-License-Identifier: AGPL-3.0-or-later
// M8103: the active HMS entries and print error, with texts.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The HMS family (bambu-lan.md §4).
    static let hms: Self = []
}
