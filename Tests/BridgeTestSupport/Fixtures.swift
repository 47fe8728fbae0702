// SPDX-License-Identifier: AGPL-3.0-or-later
// Locates the shared fixtures (../shared next to the repository) at test time.

import Foundation

/// Where the team's shared fixtures live.
///
/// Exists because fixtures are read from `../shared` at run time and never copied into the
/// repository. `BAMBU_SHARED_DIR` overrides the location.
package enum Fixtures {
    /// The repository root, derived from this source file's path.
    package static var repositoryRoot: String {
        var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // Tests/BridgeTestSupport/Fixtures.swift
        return components.joined(separator: "/")
    }

    /// The shared directory: `$BAMBU_SHARED_DIR`, else `<repo>/../shared`.
    package static var sharedDirectory: String {
        if let override = ProcessInfo.processInfo.environment["BAMBU_SHARED_DIR"], !override.isEmpty { return override }
        return repositoryRoot + "/../shared"
    }

    /// `../shared/fixtures/reports/<name>`.
    package static func reportPath(_ name: String) -> String { sharedDirectory + "/fixtures/reports/" + name }

    /// `../shared/fixtures/hms/<name>`.
    package static func hmsPath(_ name: String) -> String { sharedDirectory + "/fixtures/hms/" + name }

    /// Reads a whole file as bytes.
    package static func readBytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Reads a gzip-compressed file by piping it through `gzip -dc` (test helper only).
    package static func readGzip(_ path: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
}
