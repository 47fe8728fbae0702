// SPDX-License-Identifier: AGPL-3.0-or-later
// The error thrown when a configuration file has problems: all of them, not only the first.

/// Every problem found in one configuration file.
///
/// Exists so a user fixes the whole file in one round, as `nginx -t` allows, instead of one error
/// per restart. It is the one error type of `BridgeConfig` (style rule 5).
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in file order.
    package var diagnostics: [ConfigDiagnostic]

    /// Wraps `diagnostics`.
    package init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line.
    package var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
