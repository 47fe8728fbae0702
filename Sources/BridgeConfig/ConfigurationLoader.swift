// SPDX-License-Identifier: AGPL-3.0-or-later
// Entry points that turn a configuration file into a validated BridgeConfiguration.

/// Loads and validates `bambu-serial.toml`.
///
/// Exists as the one way to obtain a ``BridgeConfiguration``. Like `nginx -t`, it reports every problem in
/// the file at once, each with `file:line`, so `bambu-serial check-config` (run in `ExecStartPre=`)
/// can show the user a complete list.
package enum ConfigurationLoader {
    /// Where the daemon looks when no path is given.
    package static let defaultPath = "/etc/bambu-serial/bambu-serial.toml"

    /// Reads and validates the file at `path`; collects every error (like `nginx -t`), not just the first.
    ///
    /// - Parameter path: The configuration file.
    /// - Returns: The validated configuration.
    /// - Throws: ``ConfigurationError`` with one diagnostic per problem.
    package static func load(path: String) throws(ConfigurationError) -> BridgeConfiguration {
        let fileSystem = LocalFileSystem()
        let contents: (text: String, mode: UInt32)
        do {
            contents = try fileSystem.read(path)
        } catch {
            let message = "cannot read the configuration file: \(error)"
            throw ConfigurationError(diagnostics: [ConfigDiagnostic(file: path, line: nil, message: message)])
        }
        return try parse(text: contents.text, file: path, fileMode: contents.mode, fileSystem: fileSystem)
    }

    /// Validates configuration text; collects every error, not just the first.
    ///
    /// - Parameters:
    ///   - text: The TOML source.
    ///   - file: The name diagnostics carry.
    ///   - fileMode: The configuration file's permission bits; `nil` skips the permission check.
    ///   - fileSystem: Reads `access_code_file` contents and modes, and checks that `ca_file` exists.
    /// - Returns: The validated configuration.
    /// - Throws: ``ConfigurationError`` with one diagnostic per problem, in file order.
    package static func parse(
        text: String,
        file: String,
        fileMode: UInt32?,
        fileSystem: some ConfigFileSystem
    ) throws(ConfigurationError) -> BridgeConfiguration {
        var validator = ConfigValidator(text: text, file: file, fileMode: fileMode, fileSystem: fileSystem)
        let configuration = validator.validate()
        let diagnostics = validator.sortedDiagnostics
        guard diagnostics.isEmpty, let configuration else {
            throw ConfigurationError(diagnostics: diagnostics)
        }
        return configuration
    }
}
