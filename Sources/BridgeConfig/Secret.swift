// SPDX-License-Identifier: AGPL-3.0-or-later
// A string that never shows up in logs, descriptions, debug output or dumps.

/// A secret value such as a printer's LAN access code or the HTTP token.
///
/// Exists so that redaction is a property of the type rather than of every call site (style rule 8):
/// `print`, string interpolation, `String(reflecting:)`, `dump` and `Mirror` all see `<redacted>`,
/// including when the secret sits inside a larger value such as ``PrinterConfiguration``.
package struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; read it only where it is handed to the peer (MQTT login, FTPS password).
    package let value: String

    /// Wraps `value`.
    package init(_ value: String) {
        self.value = value
    }

    /// Always `<redacted>`.
    package var description: String { "<redacted>" }

    /// Always `<redacted>`, so `String(reflecting:)` of a containing value stays clean.
    package var debugDescription: String { "<redacted>" }

    /// A mirror without children, so `dump` and reflection never reach ``value``.
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
