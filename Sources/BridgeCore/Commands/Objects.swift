// SPDX-License-Identifier: AGPL-3.0-or-later
// M486: Marlin cancel-objects over skip_objects.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The cancel-objects family (bambu-lan.md §2.18, §3.8).
    static let objects: Self = []
}
