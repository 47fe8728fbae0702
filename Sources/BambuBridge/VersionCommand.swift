// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial version`: our version and the versions of the C libraries we link.

import ArgumentParser
import BridgeCore
import CameraAdapter
import FTPSAdapter
import MQTTAdapter

#if canImport(Glibc)
import Glibc
#endif

/// Prints versions.
///
/// Exists for bug reports: the behaviour of libmosquitto and FFmpeg differs between releases.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of bambu-serial and the libraries it uses.")

    func run() {
        print("\(FirmwareIdentity.name) \(FirmwareIdentity.version)")
        print("libmosquitto \(MosquittoLibrary.version)")
        print("libcurl \(CurlLibrary.version)")
        print("FFmpeg \(MediaLibraries.version)")
        print("libturbojpeg \(MediaLibraries.turboJPEGAvailable ? "available" : "not usable")")
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var standardError = StandardError()
    print(text, to: &standardError)
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes.removeFirst(written)
        }
    }
}
