// SPDX-License-Identifier: AGPL-3.0-or-later
// One problem found in the configuration file, with its location.

/// One problem in the configuration, located by file and (where there is one) line.
///
/// Exists so `bambu-serial check-config` can print compiler-style `file:line: message` lines that
/// editors jump to. Messages never contain access codes or tokens.
package struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// The configuration file the problem is in.
    package var file: String
    /// The 1-based line of the offending key or table header, if known.
    package var line: Int?
    /// What is wrong and, where it helps, how to fix it.
    package var message: String

    /// Builds a diagnostic.
    package init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, or `FILE: message` when there is no line.
    package var description: String {
        if let line { "\(file):\(line): \(message)" } else { "\(file): \(message)" }
    }
}
