// SPDX-License-Identifier: AGPL-3.0-or-later
// Nozzle codes M8140–M8149: hardware, pressure-advance profile.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The nozzle family (bambu-lan.md §2.9, §3.17–§3.19).
    static let nozzle: Self = []
}
