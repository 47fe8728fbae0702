// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial upload`: send a file to a printer's storage over FTPS, optionally start it.

import ArgumentParser
import BambuModel
import BridgeConfig
import BridgeCore
import BridgeRuntime
import FTPSAdapter
import Foundation
import Logging
import MQTTAdapter

#if canImport(Glibc)
import Glibc
#endif

/// Uploads a file to one printer.
///
/// Exists for scripts and for files that never pass through a serial host: the same FTPS client
/// and TLS trust as the daemon, a progress bar on a terminal, and `--print` to start the job
/// with the same `project_file` request `M24` sends.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Upload a file to a printer's storage (FTPS); --print starts it.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The printer's name in the configuration.")
    var printer: String

    @Argument(help: "The file to upload (.gcode.3mf, .3mf or .gcode).")
    var file: String

    @Option(name: .long, help: "Remote directory.")
    var directory: String = "/"

    @Flag(name: .long, help: "Start the print after the upload.")
    var print = false

    func run() async throws {
        var logger = Logger(label: "bambu-serial-upload")
        logger.logLevel = .warning
        let (configuration, target) = try options.loadPrinter(named: printer)
        guard FileManager.default.isReadableFile(atPath: file) else {
            printError("cannot read \(file)")
            throw ExitCode(1)
        }
        let name = URL(fileURLWithPath: file).lastPathComponent
        let remote = (directory.hasSuffix("/") ? directory : directory + "/") + name
        let pins = CertificatePinStore(stateDirectory: configuration.bridge.stateDirectory)
        let client = FTPSClient(endpoint: target.ftpsEndpoint(pins: pins), logger: logger)
        let bar = ProgressBar(label: name, enabled: isatty(1) == 1)
        do {
            try await client.upload(localFile: file, to: remote) { sent, total in bar.update(sent: sent, total: total) }
        } catch {
            bar.finish()
            printError("upload of \(name) to \(printer) failed: \(error)")
            throw ExitCode(1)
        }
        bar.finish()
        Swift.print("uploaded \(remote) to \(printer)")
        if print { try await start(remote: remote, on: target, pins: pins, logger: logger) }
    }

    /// Publishes the same start request as M24 and waits for the printer to take the job.
    private func start(remote: String, on target: PrinterConfiguration, pins: CertificatePinStore, logger: Logger)
        async throws
    {
        MosquittoLibrary.initialize()
        let link = try MQTTPrinterLink(settings: target.linkSettings(pins: pins), logger: logger)
        defer { Task { await link.close() } }
        let stored = StoredFile(path: remote, size: 0)
        let request: BambuRequest =
            stored.fileName.lowercased().hasSuffix(".gcode")
            ? .gcodeFile(path: target.model.storageURL(forPath: remote).hasPrefix("ftp") ? remote : "/sdcard" + remote)
            : .projectFile(
                ProjectFile(
                    url: target.model.storageURL(forPath: remote), file: stored.displayName, name: stored.jobName,
                    plate: 1, useAMS: false, amsMapping: nil, bedLeveling: true, flowCalibration: true,
                    vibrationCalibration: true, layerInspection: true, timelapse: false))
        let outgoing = OutgoingRequest(request: request, sequenceID: 19_000 + Int.random(in: 0..<999))
        for await event in link.events {
            switch event {
            case .up:
                link.publish(outgoing)
            case .down(let reason, let permanent) where permanent:
                printError("cannot start the print: \(reason)")
                throw ExitCode(1)
            case .message(let bytes):
                guard let message = try? JSONValue(parsing: bytes), let body = message["print"] else { continue }
                if body["sequence_id"]?.stringValue == String(outgoing.sequenceID), body["result"]?.stringValue != nil {
                    if body["result"]?.stringValue?.lowercased() == "success" {
                        Swift.print("started \(stored.jobName) on \(printer)")
                        return
                    }
                    printError("the printer refused the job: \(body["reason"]?.stringValue ?? "no reason given")")
                    throw ExitCode(1)
                }
                if let state = body["gcode_state"]?.stringValue, state == "PREPARE" || state == "RUNNING" {
                    Swift.print("started \(stored.jobName) on \(printer) (\(state))")
                    return
                }
            default:
                continue
            }
        }
    }
}

/// A one-line progress bar on a terminal; silent otherwise.
final class ProgressBar: Sendable {
    private let label: String
    private let enabled: Bool

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    func update(sent: Int64, total: Int64) {
        guard enabled, total > 0 else { return }
        let fraction = Double(sent) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "\r\(label) [\(bar)] \(Int(fraction * 100))% \(sent / 1024)/\(total / 1024) KiB"
        _ = text.withCString { Glibc.write(1, $0, strlen($0)) }
    }

    func finish() {
        guard enabled else { return }
        _ = "\n".withCString { Glibc.write(1, $0, 1) }
    }
}
