// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial status`: ask the running daemon how every printer is doing.

import ArgumentParser
import BambuModel
import BridgeConfig
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Prints the running daemon's view of every printer.
///
/// Exists for the administrator's first question ("is it connected, is it printing?") without
/// opening another connection to the printers.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every printer's state from the running daemon.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The daemon's status socket (default: /run/bambu-serial/status.sock, else state_dir).")
    var socket: String?

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let candidates: [String]
        if let socket {
            candidates = [socket]
        } else {
            var list = [StatusSocket.defaultPath]
            if let configuration = try? ConfigurationLoader.load(path: options.config) {
                list.append(StatusSocket.fallbackPath(stateDirectory: configuration.bridge.stateDirectory))
            }
            candidates = list
        }
        var failures: [String] = []
        for path in candidates {
            switch StatusSocket.read(path) {
            case .success(let text):
                if json {
                    print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                } else {
                    guard let document = try? JSONValue(parsing: text) else {
                        printError("the daemon's answer is not JSON")
                        throw ExitCode(1)
                    }
                    print(StatusReport.table(document))
                }
                return
            case .failure(let reason):
                failures.append("\(path): \(reason)")
            }
        }
        printError("cannot reach the daemon (is bambu-serial running?): " + failures.joined(separator: "; "))
        throw ExitCode(3)
    }
}

/// Where the status socket lives and how to read it.
enum StatusSocket {
    static var defaultPath: String {
        if let runtime = ProcessInfo.processInfo.environment["RUNTIME_DIRECTORY"], !runtime.isEmpty {
            return runtime + "/status.sock"
        }
        return "/run/bambu-serial/status.sock"
    }

    static func fallbackPath(stateDirectory: String) -> String { stateDirectory + "/status.sock" }

    enum Outcome { case success(String), failure(String) }

    static func read(_ path: String) -> Outcome {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return .failure("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: Array(path.utf8.prefix(buffer.count - 1)) + [0])
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return .failure(String(cString: strerror(errno))) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        guard !data.isEmpty else { return .failure("the daemon refused the request (permissions)") }
        return .success(String(decoding: data, as: UTF8.self))
    }
}
