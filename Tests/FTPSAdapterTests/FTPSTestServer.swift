// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs Sources/BambuSimulator/ftps_server.py as a child process: one or more implicit-FTPS "printers" on free ports.

import BridgeTestSupport
import FTPSAdapter
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The Python test server, serving a few simulated printers from one process.
///
/// Exists so the adapter is tested against a server that behaves like the printers' vsFTPd:
/// implicit TLS, TLS 1.2, PROT P, PASV, and TLS session reuse enforced on data connections.
/// Each test starts its own on free loopback ports, with its own root directories.
final class FTPSTestServer: Sendable {
    /// One simulated printer.
    struct Printer: Sendable {
        let port: Int
        let password: String
        let root: String
    }

    let printers: [Printer]
    let process: ChildProcess
    let directory: String
    let certificates: TestCertificates

    /// Starts one printer per entry of `rates` (bytes per second, 0 = unlimited) and waits for `ready`.
    init(rates: [Int] = [0], seed: Bool = true) async throws {
        let python = try Self.requirePython()
        certificates = try TestCertificates.make()
        directory = try TemporaryDirectory.make(prefix: "ftps-server")
        let ports = try Self.freePorts(rates.count)
        var printers: [Printer] = []
        var entries: [[String: Any]] = []
        for (index, rate) in rates.enumerated() {
            let root = directory + "/printer\(index)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let printer = Printer(port: ports[index], password: "a1B2c3D\(index)", root: root)
            printers.append(printer)
            entries.append([
                "port": printer.port, "password": printer.password, "root": root,
                "cert": certificates.leafCertificate, "key": certificates.leafKey, "rate": rate,
            ])
        }
        self.printers = printers
        let config = directory + "/servers.json"
        let json = try JSONSerialization.data(withJSONObject: ["servers": entries], options: [.sortedKeys])
        try json.write(to: URL(fileURLWithPath: config))
        // --exit-with-parent: a crashed or killed test run must not leave servers behind.
        var arguments = [Fixtures.repositoryRoot + "/Sources/BambuSimulator/ftps_server.py", "--config", config, "--exit-with-parent"]
        if seed { arguments.append("--seed") }
        process = try ChildProcess(arguments, executable: python)
        let ready = await Wait.until(timeout: .seconds(20)) { [process] in
            process.output.contains("ready") || !process.isRunning
        }
        guard ready, process.isRunning else {
            let errors = process.errorOutput.joined(separator: "\n")
            _ = await process.terminate()
            throw HarnessError("ftps_server.py did not start: \(errors)")
        }
    }

    /// The first printer.
    var printer: Printer { printers[0] }

    /// A client for printer `index`; `password` overrides the right one.
    func client(
        _ index: Int = 0, password: String? = nil,
        security: FTPSTransportSecurity = .pinned(expectedName: TestCertificates.serial, pin: nil)
    ) -> FTPSClient {
        let printer = printers[index]
        let endpoint = FTPSEndpoint(
            host: "127.0.0.1", port: printer.port, password: password ?? printer.password, security: security
        )
        return FTPSClient(endpoint: endpoint, logger: Logger(label: "ftps-test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// What the server logged on standard error.
    var log: [String] { process.errorOutput }

    /// SIGKILL, like a printer losing power; returns once the process is gone.
    func kill() async {
        process.signal(SIGKILL)
        _ = await Wait.until(timeout: .seconds(10)) { [process] in !process.isRunning }
    }

    /// SIGTERM; returns the exit status. Removes the directories.
    @discardableResult
    func stop() async -> Int32 {
        let status = await process.terminate()
        try? FileManager.default.removeItem(atPath: directory)
        return status
    }

    // MARK: - Set-up helpers

    /// The venv's Python, checked for pyftpdlib and pyopenssl: a missing venv fails the test, loudly.
    static func requirePython() throws -> String {
        let venv = ProcessInfo.processInfo.environment["BAMBU_VENV"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Fixtures.repositoryRoot + "/.venv"
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw HarnessError("\(python) does not exist: run `make venv` (.ci/python-venv.sh) first")
        }
        let check = try Command.run(python, ["-c", "import pyftpdlib, OpenSSL"])
        guard check.status == 0 else {
            throw HarnessError(
                "pyftpdlib or pyopenssl is missing from \(venv): run `make venv` (.ci/python-venv.sh). "
                    + check.output
            )
        }
        return python
    }

    /// `count` distinct free loopback ports (bound to port 0, then released).
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw HarnessError("socket failed") }
            sockets.append(socket)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
                }
            }
            guard bound else { throw HarnessError("bind failed") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}
