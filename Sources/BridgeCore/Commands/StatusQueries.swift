// SPDX-License-Identifier: AGPL-3.0-or-later
// M8100 help and M8101 overall status.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The status family: `//`-prefixed answers hosts never mistake for temperatures or errors.
    static let statusQueries: Self = []
}
