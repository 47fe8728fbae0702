// SPDX-License-Identifier: AGPL-3.0-or-later
// Camera codes M8160–M8169: snapshot to a file, camera settings.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The camera family (bambu-lan.md §3.21, §7).
    static let camera: Self = []
}
