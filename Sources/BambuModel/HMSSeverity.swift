// SPDX-License-Identifier: AGPL-3.0-or-later
// The message level of an HMS entry.

/// How serious an HMS message is, from `code >> 16` (BambuStudio's enum, bambu-lan.md §4.2).
///
/// Exists so replies can tell a fatal stop from an informational notice without re-decoding
/// codes. BPM derives severity from the module number instead; that is wrong and not copied.
package enum HMSSeverity: String, Sendable, Hashable, CaseIterable {
    case fatal
    case serious
    case common
    case info
    case unknown

    /// The level for a raw `code >> 16` value: 1 fatal, 2 serious, 3 common, 4 info, anything else unknown.
    package init(level: UInt32) {
        switch level {
        case 1: self = .fatal
        case 2: self = .serious
        case 3: self = .common
        case 4: self = .info
        default: self = .unknown
        }
    }
}
