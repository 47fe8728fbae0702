// SPDX-License-Identifier: AGPL-3.0-or-later
// Everything the simulator writes: test CA, per-printer certificates, broker config, bridge config.

import BambuModel
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One simulated printer as the files describe it.
struct SimulatedPrinterIdentity: Sendable {
    var name: String
    var model: PrinterModel
    var serial: String
    var accessCode: String
    var port: Int
    var ftpsPort: Int
    /// The camera's port: RTSPS or the TLS JPEG stream, by model.
    var cameraPort: Int
}

/// Writes the simulator's working directory.
///
/// Exists so a simulated printer looks like a real one to the bridge: its own TLS listener whose
/// certificate names its serial (signed by a test CA the bridge trusts with `tls = "ca"`), user
/// `bblp` with its own access code, and a ready-to-use `bambu-serial.toml`.
struct SimulatorFiles {
    let directory: String
    /// The address the printers' TLS listeners bind to and the generated configuration names.
    var listenAddress = "127.0.0.1"

    var caPath: String { directory + "/ca.pem" }
    var configPath: String { directory + "/bambu-serial.toml" }
    var brokerConfigPath: String { directory + "/mosquitto.conf" }
    var brokerLogPath: String { directory + "/mosquitto.log" }
    var brokerPIDPath: String { directory + "/mosquitto.pid" }
    var deviceDirectory: String { directory + "/dev" }
    var stateDirectory: String { directory + "/state" }

    /// The printer's TLS certificate (naming its serial) and key, as its broker and cameras serve them.
    func certificatePath(for printer: SimulatedPrinterIdentity) -> String { directory + "/tls/" + printer.serial + ".pem" }
    func keyPath(for printer: SimulatedPrinterIdentity) -> String { directory + "/tls/" + printer.serial + ".key" }

    /// Creates the CA and one certificate per printer (CN = serial) with the `openssl` tool.
    func writeCertificates(for printers: [SimulatedPrinterIdentity]) throws {
        try FileManager.default.createDirectory(atPath: directory + "/tls", withIntermediateDirectories: true)
        let caKey = directory + "/tls/ca.key"
        try run("/usr/bin/openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", caKey])
        try run(
            "/usr/bin/openssl",
            ["req", "-x509", "-new", "-key", caKey, "-sha256", "-days", "3650", "-subj", "/CN=bambu-serial simulator CA",
             "-out", caPath])
        for printer in printers { try writeCertificate(for: printer) }
    }

    /// Creates (or replaces, with a new key) one printer's certificate, signed by the test CA.
    func writeCertificate(for printer: SimulatedPrinterIdentity) throws {
        let caKey = directory + "/tls/ca.key"
        let key = directory + "/tls/\(printer.serial).key"
        let request = directory + "/tls/\(printer.serial).csr"
        let extensions = directory + "/tls/\(printer.serial).ext"
        let addresses = listenAddress == "127.0.0.1" ? "IP:127.0.0.1" : "IP:127.0.0.1,IP:\(listenAddress)"
        try "subjectAltName=\(addresses),DNS:\(printer.serial)\nbasicConstraints=CA:FALSE\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try run("/usr/bin/openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        try run("/usr/bin/openssl", ["req", "-new", "-key", key, "-subj", "/CN=\(printer.serial)", "-out", request])
        try run(
            "/usr/bin/openssl",
            ["x509", "-req", "-in", request, "-CA", caPath, "-CAkey", caKey, "-CAcreateserial", "-days", "3650",
             "-sha256", "-extfile", extensions, "-out", directory + "/tls/\(printer.serial).pem"])
    }

    /// Where each printer's files live (its FTPS root).
    func storageRoot(for printer: SimulatedPrinterIdentity) -> String { directory + "/storage/" + printer.name }

    /// Writes the FTPS servers' configuration (one implicit-FTPS endpoint per printer).
    func writeStorageConfiguration(for printers: [SimulatedPrinterIdentity]) throws -> String {
        var servers: [String] = []
        for printer in printers {
            let root = storageRoot(for: printer)
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            servers.append(
                #"{"port":\#(printer.ftpsPort),"password":"\#(printer.accessCode)","root":"\#(root)","#
                    + #""cert":"\#(directory)/tls/\#(printer.serial).pem","key":"\#(directory)/tls/\#(printer.serial).key"}"#
            )
        }
        let path = directory + "/tls/ftps.json"
        try (#"{"servers":["# + servers.joined(separator: ",") + "]}\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// Writes the camera server's configuration: one RTSPS camera per printer given (1280x720).
    func writeCameraConfiguration(for printers: [SimulatedPrinterIdentity], framesPerSecond: Int = 15) throws -> String {
        var cameras: [String] = []
        for printer in printers {
            cameras.append(
                #"{"kind":"rtsps","name":"\#(printer.name)","port":\#(printer.cameraPort),"password":"\#(printer.accessCode)","#
                    + #""width":1280,"height":720,"fps":\#(framesPerSecond),"#
                    + #""cert":"\#(certificatePath(for: printer))","key":"\#(keyPath(for: printer))"}"#
            )
        }
        let path = directory + "/tls/cameras.json"
        try (#"{"cameras":["# + cameras.joined(separator: ",") + "]}\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// Writes one password file per listener and the broker configuration.
    func writeBrokerConfiguration(
        for printers: [SimulatedPrinterIdentity], internalPort: Int, internalPassword: String
    ) throws {
        var lines = [
            "# Written by bambu-serial sim: one TLS listener per simulated printer, like the real printers' brokers.",
            "per_listener_settings true", "persistence false", "log_dest stdout",
            "log_type error", "log_type warning", "log_type notice",
            "max_inflight_messages 1000", "max_queued_messages 10000",
        ]
        if getuid() == 0 { lines.append("user root") }
        for printer in printers {
            let passwords = directory + "/tls/\(printer.name).passwd"
            try password(file: passwords, user: "bblp", password: printer.accessCode)
            lines += [
                "", "# \(printer.name) (\(printer.model.productName), \(printer.serial))",
                "listener \(printer.port) \(listenAddress)", "allow_anonymous false", "password_file \(passwords)",
                "certfile \(directory)/tls/\(printer.serial).pem", "keyfile \(directory)/tls/\(printer.serial).key",
                "tls_version tlsv1.2",
            ]
        }
        let internalPasswords = directory + "/tls/simulator.passwd"
        try password(file: internalPasswords, user: "simulator", password: internalPassword)
        lines += [
            "", "# the simulated printers' own connection", "listener \(internalPort) 127.0.0.1",
            "allow_anonymous false", "password_file \(internalPasswords)",
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: brokerConfigPath, atomically: true, encoding: .utf8)
    }

    /// Writes the bridge configuration (mode 0600: it holds access codes).
    func writeBridgeConfiguration(for printers: [SimulatedPrinterIdentity], group: String, httpPort: Int) throws {
        var text = """
            # Written by `bambu-serial sim`: the simulated printers, ready for `bambu-serial run --config \(configPath)`.
            [bridge]
            device_dir = "\(deviceDirectory)"
            group = "\(group)"
            mode = "0660"
            state_dir = "\(stateDirectory)"

            [http]
            listen = "127.0.0.1:\(httpPort)"

            """
        for printer in printers {
            text += """

                [[printer]]
                name = "\(printer.name)"
                host = "\(listenAddress)"
                serial = "\(printer.serial)"
                access_code = "\(printer.accessCode)"
                mqtt_port = \(printer.port)
                ftps_port = \(printer.ftpsPort)
                camera_port = \(printer.cameraPort)
                tls = "ca"
                ca_file = "\(caPath)"

                """
        }
        try FileManager.default.createDirectory(atPath: deviceDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: configPath, contents: nil, attributes: [.posixPermissions: 0o600])
        try text.write(toFile: configPath, atomically: false, encoding: .utf8)
        chmod(configPath, 0o600)
    }

    private func password(file: String, user: String, password: String) throws {
        try? FileManager.default.removeItem(atPath: file)
        try run("/usr/bin/mosquitto_passwd", ["-c", "-b", file, user, password])
        chmod(file, 0o600)
    }

    /// Runs a tool and fails with its output when it fails.
    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw SimulatorError("cannot run \(tool): \(error.localizedDescription) (install openssl and mosquitto)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SimulatorError("\(tool) \(arguments.first ?? "") failed: \(text)")
        }
    }
}

/// A failure that stops the simulator, with a message for the user.
struct SimulatorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Free TCP ports on loopback for the simulator's listeners, reserved for as long as the simulator runs.
///
/// Chosen at random below the kernel's ephemeral range (`ip_local_port_range`), not by binding port 0:
/// a port 0 bind anywhere on the machine (any outgoing connection) draws from the ephemeral range.
/// Each chosen port stays bound, with `SO_REUSEADDR` and without listening, by a socket that
/// ``PortReservation`` holds: the simulator's own servers (mosquitto, pyftpdlib, gst-rtsp-server,
/// the JPEG streams, the daemon's HTTP endpoint, all of which set `SO_REUSEADDR`) can still bind and
/// listen on it, while the probe bind of another simulator starting in parallel (no `SO_REUSEADDR`)
/// is refused and draws another port. Releasing the ports between choosing and binding them let two
/// parallel test simulators take the same port, and one of them never came up.
/// Falls back to port 0 when the ephemeral range leaves no room below it.
enum FreePorts {
    static func take(_ count: Int) throws -> PortReservation {
        var sockets: [Int32] = []
        var ports: [Int] = []
        let candidates = Self.quietRange()
        var attempts = 0
        while ports.count < count {
            attempts += 1
            let wanted = candidates.flatMap { attempts <= 20 * count ? Int.random(in: $0) : nil } ?? 0
            guard let descriptor = Self.probe(port: wanted) else {
                if wanted != 0 { continue }  // taken: draw another
                for socket in sockets { close(socket) }
                throw SimulatorError("cannot bind a free port on 127.0.0.1")
            }
            // The probe bound without SO_REUSEADDR, so nobody else holds the port; from now on the
            // reservation lets a reusing server share it.
            var reuse: Int32 = 1
            _ = setsockopt(descriptor.socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
            sockets.append(descriptor.socket)
            ports.append(descriptor.port)
        }
        return PortReservation(ports: ports, sockets: sockets)
    }

    /// A socket bound to 127.0.0.1:`port` (0: any) without `SO_REUSEADDR`, and the port it got; nil when taken.
    private static func probe(port: Int) -> (socket: Int32, port: Int)? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            return nil
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// 10000 up to the start of the ephemeral range, or nil when that leaves fewer than 1,000 ports.
    private static func quietRange() -> ClosedRange<Int>? {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        guard let low = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap({ Int($0) }),
            low - 1 - 10000 >= 1000
        else { return nil }
        return 10000...(low - 1)
    }

    /// Whether something accepts TCP connections on `host`:`port`.
    static func accepts(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

/// Ports ``FreePorts`` chose, each held by a bound, non-listening socket until this is released.
final class PortReservation: Sendable {
    let ports: [Int]
    private let sockets: [Int32]

    init(ports: [Int], sockets: [Int32]) {
        self.ports = ports
        self.sockets = sockets
    }

    deinit {
        for socket in sockets { close(socket) }
    }
}
