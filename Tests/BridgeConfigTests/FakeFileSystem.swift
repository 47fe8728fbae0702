// SPDX-License-Identifier: AGPL-3.0-or-later
// In-memory ConfigFileSystem fakes and parse helpers for the configuration tests.

import BridgeConfig

/// A file system held in a dictionary.
///
/// Exists so tests control access-code files, their permission bits and which CA files exist,
/// without touching the disk.
struct FakeFileSystem: ConfigFileSystem {
    /// The error a missing file raises; its description is what a diagnostic shows.
    struct Missing: Error, CustomStringConvertible {
        var description: String { "No such file or directory" }
    }

    /// Readable files: path → (contents, permission bits).
    var files: [String: (text: String, mode: UInt32)]
    /// Paths that exist without being readable through ``files`` (CA bundles).
    var otherPaths: Set<String>

    func read(_ path: String) throws -> (text: String, mode: UInt32) {
        guard let file = files[path] else { throw Missing() }
        return file
    }

    func exists(_ path: String) -> Bool {
        files[path] != nil || otherPaths.contains(path)
    }

    /// The files the tests refer to: a good code file, a loose one, an empty one and a CA bundle.
    static let standard = FakeFileSystem(
        files: [
            "/etc/bambu-serial/x1c.code": ("12345678\n", 0o600),
            "/etc/bambu-serial/p1s.code": ("  87654321 \n\n", 0o400),
            "/etc/bambu-serial/loose.code": ("12345678\n", 0o640),
            "/etc/bambu-serial/empty.code": (" \n", 0o600),
        ],
        otherPaths: ["/etc/bambu-serial/bbl-ca.pem"]
    )
}

/// A file system in which every path exists and reads as an 8-character code with mode 0600.
///
/// Exists for the sample configuration, whose paths are only examples.
struct PermissiveFileSystem: ConfigFileSystem {
    func read(_ path: String) throws -> (text: String, mode: UInt32) { ("12345678\n", 0o600) }
    func exists(_ path: String) -> Bool { true }
}

/// Helpers shared by the configuration tests.
///
/// Exists so each test states only its TOML text and expectations.
enum Harness {
    /// The file name every in-memory configuration carries.
    static let file = "/etc/bambu-serial/bambu-serial.toml"

    /// Parses `text` against ``FakeFileSystem/standard``.
    static func parse(_ text: String, fileMode: UInt32? = 0o600) throws(ConfigurationError) -> BridgeConfiguration {
        try ConfigurationLoader.parse(text: text, file: file, fileMode: fileMode, fileSystem: FakeFileSystem.standard)
    }

    /// The diagnostics of `text`, or `[]` if it is valid.
    static func diagnostics(_ text: String, fileMode: UInt32? = 0o600) -> [ConfigDiagnostic] {
        do {
            _ = try parse(text, fileMode: fileMode)
            return []
        } catch {
            return error.diagnostics
        }
    }
}
