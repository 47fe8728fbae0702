// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial hms-update`: download the vendor's HMS texts into the state directory.

import ArgumentParser
import BambuModel
import BridgeConfig
import BridgeRuntime
import FTPSAdapter
import Foundation

/// Downloads the HMS and print-error texts the daemon shows next to HMS codes.
///
/// Exists because the texts change with firmware and the vendor serves them from a public endpoint
/// (bambu-lan.md §4.4): the daemon host fetches them when it has internet, printers do not need it.
/// The answer is checked (it parses, `result` is 0, it has texts) before it replaces the old file,
/// and it is written to a temporary file and renamed, so the daemon never reads half a file.
struct HMSUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hms-update",
        abstract: "Download the HMS texts to state_dir/hms-<lang>.json (reload the daemon afterwards).")

    @Option(name: .long, help: "Language of the texts (default: hms_language from the configuration, else en).")
    var lang: String?

    @Option(name: .long, help: "Directory to write to (default: state_dir from the configuration).")
    var stateDir: String?

    /// The configuration file, read for `state_dir` and `hms_language` unless both are given.
    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Endpoint to download from; <lang> in it is replaced by the language.")
    var url: String = "https://e.bambulab.com/query.php?lang=<lang>"

    func run() async throws {
        var stateDirectory = stateDir ?? BridgeSettings.defaults.stateDirectory
        var chosen = lang ?? BridgeSettings.defaults.hmsLanguage
        // The configuration fills in what the command line leaves out; with --state-dir a missing
        // configuration file is fine (a host without the daemon installed yet).
        if stateDir == nil || (lang == nil && FileManager.default.fileExists(atPath: options.config)) {
            do {
                let configuration = try ConfigurationLoader.load(path: options.config)
                stateDirectory = stateDir ?? configuration.bridge.stateDirectory
                chosen = lang ?? configuration.bridge.hmsLanguage
            } catch {
                for diagnostic in error.diagnostics { printError(diagnostic.description) }
                throw ExitCode(1)
            }
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        guard !chosen.isEmpty, chosen.count <= 16, chosen.allSatisfy(allowed.contains) else {
            printError("hms-update: --lang must be a language code such as en or de, not \"\(chosen)\"")
            throw ExitCode(1)
        }
        let source = url.replacingOccurrences(of: "<lang>", with: chosen)
        print("downloading \(source)")
        let body: [UInt8]
        do {
            body = try await HTTPSGet.fetch(source)
        } catch {
            if let status = error.status {
                printError("hms-update: the server answered HTTP \(status) for \(source)")
            } else {
                printError("hms-update: cannot download \(source): \(error.detail)")
            }
            throw ExitCode(1)
        }
        let table: HMSTextTable
        do {
            table = try HMSTextTable(parsing: body, language: chosen)
        } catch {
            printError("hms-update: the answer from \(source) is not an HMS table: \(error.description)")
            throw ExitCode(1)
        }
        guard table.hmsCount > 0 else {
            printError("hms-update: the answer from \(source) has no HMS texts for \"\(chosen)\"; file not written")
            throw ExitCode(1)
        }
        let path = HMSTextStore.path(stateDirectory: stateDirectory, language: chosen)
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(body), attributes: [.posixPermissions: 0o644])
            else {
                printError("hms-update: cannot write \(temporary)")
                throw ExitCode(1)
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temporary)
                printError("hms-update: cannot rename \(temporary) to \(path): \(reason)")
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("hms-update: cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        print(
            "wrote \(path): \(table.hmsCount) HMS texts, \(table.errorCount) print error texts, version \(table.version.isEmpty ? "unknown" : table.version)"
        )
        print("reload the daemon (systemctl reload bambu-serial) to use them")
    }
}
