// SPDX-License-Identifier: AGPL-3.0-or-later
// A throwaway CA and a printer certificate (CN = serial), made with the openssl command line.

import Foundation
import NIOConcurrencyHelpers

/// A test PKI shaped like Bambu's: a CA, and a leaf whose CN is the printer serial (bambu-lan.md §1.7).
///
/// Exists so the TLS modes (pinned, CA, insecure) are tested against real certificates without
/// shipping key material: everything is generated once per test process into a temporary directory.
struct TestCertificates: Sendable {
    static let serial = "00M00A000000001"

    let directory: String
    let caCertificate: String
    let leafCertificate: String
    let leafKey: String
    /// A CA that did not sign the leaf.
    let otherCA: String
    /// The leaf's SHA-256, lower-case hex without colons.
    let fingerprint: String

    private static let shared = NIOLockedValueBox<TestCertificates?>(nil)

    /// The process-wide certificates, generated on first use.
    static func make() throws -> TestCertificates {
        try shared.withLockedValue { cached in
            if let cached { return cached }
            let created = try generate()
            cached = created
            return created
        }
    }

    private static func generate() throws -> TestCertificates {
        let directory = try TemporaryDirectory.make(prefix: "ftps-pki")
        func path(_ name: String) -> String { directory + "/" + name }
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=Test BBL CA",
            "-keyout", path("ca.key"), "-out", path("ca.pem"),
        ])
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=Unrelated CA",
            "-keyout", path("other-ca.key"), "-out", path("other-ca.pem"),
        ])
        try openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(serial)",
            "-keyout", path("leaf.key"), "-out", path("leaf.csr"),
        ])
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            .write(toFile: path("leaf.ext"), atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "30", "-extfile", path("leaf.ext"), "-out", path("leaf.pem"),
        ])
        let printed = try openssl(["x509", "-noout", "-fingerprint", "-sha256", "-in", path("leaf.pem")])
        // "sha256 Fingerprint=AB:CD:…"
        guard let line = printed.split(separator: "\n").first(where: { $0.contains("Fingerprint=") }),
            let equals = line.firstIndex(of: "=")
        else { throw HarnessError("no fingerprint in \(printed)") }
        let fingerprint = line[line.index(after: equals)...]
            .filter { $0 != ":" && !$0.isWhitespace }.lowercased()
        return TestCertificates(
            directory: directory, caCertificate: path("ca.pem"), leafCertificate: path("leaf.pem"),
            leafKey: path("leaf.key"), otherCA: path("other-ca.pem"), fingerprint: fingerprint
        )
    }

    @discardableResult
    private static func openssl(_ arguments: [String]) throws -> String {
        let result = try Command.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw HarnessError("openssl \(arguments.first ?? "") failed: \(result.output)")
        }
        return result.output
    }
}

/// A short-lived helper process whose output is wanted whole.
enum Command {
    /// Exit status and everything printed.
    struct Result {
        var status: Int32
        /// Standard output and standard error, interleaved.
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// Temporary directories under /tmp.
enum TemporaryDirectory {
    static func make(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        return String(cString: result)
    }
}

/// A test set-up failure with its reason.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
