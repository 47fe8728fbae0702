// SPDX-License-Identifier: AGPL-3.0-or-later
// The shipped sample configuration is valid, and load(path:) works against the real file system.

import BridgeConfig
import BridgeTestSupport
import Foundation
import Testing

@Test func sampleConfigurationParses() throws {
    let path = Fixtures.repositoryRoot + "/etc/bambu-serial.toml"
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let configuration = try ConfigurationLoader.parse(
        text: text,
        file: path,
        fileMode: nil,
        fileSystem: PermissiveFileSystem()
    )
    #expect(configuration.bridge == .defaults)
    #expect(configuration.http == .defaults)
    #expect(configuration.printers.map(\.name) == ["x1c"])
    // The sample keeps its access code in a separate file, so its own mode does not matter.
    #expect(throws: Never.self) {
        try ConfigurationLoader.parse(text: text, file: path, fileMode: 0o644, fileSystem: PermissiveFileSystem())
    }
}

/// A fresh directory under the system temporary directory, removed by the caller.
private func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "/bambu-serial-config-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `path` with exactly `mode`.
private func write(_ text: String, to path: String, mode: Int) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

@Test func loadReadsFilesAndModesFromDisk() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let codePath = directory + "/x1c.code"
    let configPath = directory + "/bambu-serial.toml"
    try write("24681357\n", to: codePath, mode: 0o600)
    try write(
        """
        [[printer]]
        name = "x1c"
        host = "192.0.2.10"
        serial = "00M00A000000000"
        access_code_file = "\(codePath)"
        """,
        to: configPath,
        mode: 0o644
    )
    let configuration = try ConfigurationLoader.load(path: configPath)
    #expect(configuration.printers.first?.accessCode == Secret("24681357"))

    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: codePath)
    #expect(
        throws: ConfigurationError(diagnostics: [
            ConfigDiagnostic(
                file: configPath,
                line: 5,
                message:
                    "\(codePath) holds an access code and is readable by group or others; run: chmod 600 \(codePath)"
            )
        ])
    ) {
        try ConfigurationLoader.load(path: configPath)
    }
}

@Test func loadRefusesAReadableFileWithAnInlineCode() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configPath = directory + "/bambu-serial.toml"
    try write(
        "[[printer]]\naccess_code = \"12345678\"\nname = \"x1c\"\nhost = \"h\"\nserial = \"00M00A000000000\"\n",
        to: configPath,
        mode: 0o640
    )
    #expect(
        throws: ConfigurationError(diagnostics: [
            ConfigDiagnostic(
                file: configPath,
                line: 2,
                message: "\(configPath) holds an access code and is readable by group or others; "
                    + "run: chmod 600 \(configPath)"
            )
        ])
    ) {
        try ConfigurationLoader.load(path: configPath)
    }
}

@Test func loadReportsAMissingFile() throws {
    let path = NSTemporaryDirectory() + "/bambu-serial-missing-" + UUID().uuidString + ".toml"
    #expect(
        throws: ConfigurationError(diagnostics: [
            ConfigDiagnostic(
                file: path,
                line: nil,
                message: "cannot read the configuration file: No such file or directory"
            )
        ])
    ) {
        try ConfigurationLoader.load(path: path)
    }
}

@Test func localFileSystemReportsExistence() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    #expect(LocalFileSystem().exists(directory))
    #expect(!LocalFileSystem().exists(directory + "/absent.pem"))
}
