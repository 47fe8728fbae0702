// SPDX-License-Identifier: AGPL-3.0-or-later
// The daemon's status socket: a Unix stream socket that answers every connection with JSON.

import BambuModel
import BridgeCore
import BridgeRuntime
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Serves `bambu-serial status`.
///
/// Exists so the status command asks the running daemon instead of opening its own printer
/// connections (printers allow very few). The socket is mode 0660; a client must be root, the
/// daemon's user or in the daemon's group (checked with `SO_PEERCRED`). Accepting runs on its
/// own thread.
final class StatusServer: Sendable {
    let path: String
    private let descriptor: Int32

    /// Binds the socket (replacing a stale one).
    init(path: String) throws {
        self.path = path
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        unlink(path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SimulatorError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let fits = withUnsafeMutableBytes(of: &address.sun_path) { buffer -> Bool in
            let bytes = Array(path.utf8)
            guard bytes.count < buffer.count else { return false }
            buffer.copyBytes(from: bytes + [0])
            return true
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fits, bound == 0, listen(descriptor, 8) == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw SimulatorError("cannot listen on \(path): \(message)")
        }
        chmod(path, 0o660)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
    }

    /// Accepts connections on a dedicated thread; `body` renders the answer.
    func start(logger: Logger, body: @escaping @Sendable () -> String) {
        let descriptor = descriptor
        let thread = Thread {
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if Self.allowed(client) {
                    let bytes = Array((body() + "\n").utf8)
                    _ = bytes.withUnsafeBytes { Glibc.write(client, $0.baseAddress, $0.count) }
                } else {
                    logger.warning("status request refused: the client is not root, the daemon's user or group")
                }
                close(client)
            }
        }
        thread.name = "status-socket"
        thread.start()
    }

    /// Closes and removes the socket.
    func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
        unlink(path)
    }

    private static func allowed(_ client: Int32) -> Bool {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (Glibc's Swift module hides it without _GNU_SOURCE).
        var credentials: [UInt32] = [0, 0, 0]
        var length = socklen_t(12)
        let result = credentials.withUnsafeMutableBytes {
            getsockopt(client, SOL_SOCKET, SO_PEERCRED, $0.baseAddress, &length)
        }
        guard result == 0, length == 12 else { return false }
        let (uid, gid) = (credentials[1], credentials[2])
        return uid == 0 || uid == geteuid() || gid == getegid()
    }
}

/// The status of every printer as JSON and as a table.
enum StatusReport {
    static func json(_ statuses: [PrinterStatus]) -> JSONValue {
        StatusDocument.json(statuses)
    }

    /// A table like `systemctl list-units`.
    static func table(_ document: JSONValue) -> String {
        var rows = [["PRINTER", "MODEL", "STATE", "JOB", "TEMPERATURES", "HMS", "HOST"]]
        for printer in document["printers"]?.arrayValue ?? [] {
            var state = printer["state"]?.stringValue ?? "?"
            if let reason = printer["reason"]?.stringValue { state += " (\(reason))" }
            var job = "-"
            if let name = printer["job"]?["name"]?.stringValue {
                job = name + (printer["job"]?["progress"]?.intValue.map { " \($0)%" } ?? "")
                if let gcode = printer["gcode_state"]?.stringValue { job += " \(gcode)" }
            } else if let gcode = printer["gcode_state"]?.stringValue {
                job = gcode
            }
            var temperatures: [String] = []
            for (index, nozzle) in (printer["temperatures"]?["nozzles"]?.arrayValue ?? []).enumerated() {
                temperatures.append("T\(index) \(format(nozzle))")
            }
            if let bed = printer["temperatures"]?["bed"], bed != .null { temperatures.append("B \(format(bed))") }
            if let chamber = printer["temperatures"]?["chamber"], chamber != .null {
                temperatures.append("C \(format(chamber))")
            }
            rows.append([
                printer["name"]?.stringValue ?? "?", printer["model"]?.stringValue ?? "?", state, job,
                temperatures.isEmpty ? "-" : temperatures.joined(separator: " "),
                "\(printer["hms"]?.intValue ?? 0)", printer["host_attached"]?.boolValue == true ? "yes" : "no",
            ])
        }
        return TextTable.render(rows)
    }

    private static func format(_ value: JSONValue) -> String {
        let current = value["current"]?.doubleValue ?? 0
        let target = value["target"]?.doubleValue ?? 0
        return "\(Int(current.rounded()))/\(Int(target.rounded()))"
    }
}
