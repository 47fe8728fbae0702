// SPDX-License-Identifier: AGPL-3.0-or-later
// Remembers each printer's certificate fingerprint under state_dir (trust on first use).

import Foundation

/// Where `tls = "pinned"` keeps the SHA-256 of the first certificate that named the serial.
///
/// Exists so a changed certificate (another device answering at the printer's address) is
/// refused with a message naming the file to delete when the change is legitimate.
package struct CertificatePinStore: Sendable {
    package let directory: String

    package init(stateDirectory: String) {
        directory = stateDirectory + "/tls"
    }

    /// The file that holds a printer's pin.
    package func path(forSerial serial: String) -> String { directory + "/" + serial + ".sha256" }

    /// The stored fingerprint (64 lower-case hex digits), if any.
    package func pin(forSerial serial: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(forSerial: serial)) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return text.count == 64 && text.allSatisfy(\.isHexDigit) ? text : nil
    }

    /// Stores a fingerprint. - Throws: when the directory or file cannot be written.
    package func store(_ fingerprint: String, forSerial serial: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try (fingerprint + "\n").write(toFile: path(forSerial: serial), atomically: true, encoding: .utf8)
    }
}
