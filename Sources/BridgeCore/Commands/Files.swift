// SPDX-License-Identifier: AGPL-3.0-or-later
// File codes M8170–M8179: folders, renames, downloads and project details on the printer's storage.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The file family: what the SD codes cannot express (bambu-lan.md §6).
    static let files: Self = []
}
