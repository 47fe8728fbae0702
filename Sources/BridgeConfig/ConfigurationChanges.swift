// SPDX-License-Identifier: AGPL-3.0-or-later
// What a reload changes: which printers appear, disappear or differ.

/// The difference between two configurations, by printer name.
///
/// Exists so a reload (`SIGHUP`) touches only what changed: start sessions for ``added``, stop them for
/// ``removed``, restart them for ``changed`` and leave ``unchanged`` ones (and their open ptys) alone.
package struct ConfigurationChanges: Sendable, Equatable {
    /// Printers only in the new configuration, in the new file's order.
    package var added: [String]
    /// Printers only in the old configuration, in the old file's order.
    package var removed: [String]
    /// Printers in both whose settings differ in any field, in the new file's order.
    package var changed: [String]
    /// Printers in both with identical settings, in the new file's order.
    package var unchanged: [String]
    /// Whether `[bridge]` differs; its settings apply to every pty, so the caller decides whether to restart all.
    package var bridgeChanged: Bool
    /// Whether `[http]` differs.
    package var httpChanged: Bool

    /// Builds a change set.
    package init(
        added: [String] = [],
        removed: [String] = [],
        changed: [String] = [],
        unchanged: [String] = [],
        bridgeChanged: Bool = false,
        httpChanged: Bool = false
    ) {
        self.added = added
        self.removed = removed
        self.changed = changed
        self.unchanged = unchanged
        self.bridgeChanged = bridgeChanged
        self.httpChanged = httpChanged
    }

    /// Whether nothing at all differs.
    package var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && changed.isEmpty && !bridgeChanged && !httpChanged
    }
}
