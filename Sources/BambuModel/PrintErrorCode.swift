// SPDX-License-Identifier: AGPL-3.0-or-later
// The job error word `print_error`.

/// A decoded `print.print_error` value (bambu-lan.md §4.3).
///
/// Exists because the raw 32-bit int is meaningless to users: the vendor's tables and wiki use
/// `%08X` split into `MMMM_EEEE` (`50348044` → `0300_400C`, "The task was canceled"). Zero means
/// no error; a non-zero value may coexist with a healthy `gcode_state`.
package struct PrintErrorCode: Equatable, Sendable, Hashable {
    /// The value as reported.
    package var rawValue: Int

    package init(rawValue: Int) { self.rawValue = rawValue }

    /// Whether this is the "no error" value 0.
    package var isNone: Bool { rawValue == 0 }

    /// `MMMM_EEEE` from the low 32 bits as `%08X`.
    package var displayCode: String {
        let text = Hex.format(UInt64(word), width: 8)
        return String(text.prefix(4)) + "_" + String(text.suffix(4))
    }

    /// The module id: the first two hex digits of the code.
    package var moduleID: UInt8 { UInt8(truncatingIfNeeded: word >> 24) }

    /// A short English name for `moduleID`, as for HMS entries.
    package var moduleName: String { HMSEntry.moduleName(moduleID) }

    private var word: UInt32 { UInt32(truncatingIfNeeded: rawValue) }
}
