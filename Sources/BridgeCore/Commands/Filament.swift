// SPDX-License-Identifier: AGPL-3.0-or-later
// Filament codes: M701/M702 load and unload, M600 (not supported).

import BambuModel
import GCode

extension [CommandSpec] {
    /// The filament family (bambu-lan.md §3.9).
    static let filament: Self = []
}
