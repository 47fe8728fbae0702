// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial check-config`: validate the configuration like `nginx -t`.

import ArgumentParser
import BambuModel
import BridgeConfig

/// Checks the configuration file and prints every problem.
///
/// Exists so a unit can refuse to start on a broken file (`ExecStartPre=`) and users can check an
/// edit before reloading. Access codes never appear in its output.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check the configuration file and print every error.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(path: options.config)
            let enabled = configuration.printers.filter(\.enabled).count
            print("\(options.config): configuration is valid: \(configuration.printers.count) printers (\(enabled) enabled)")
            for printer in configuration.printers {
                let state = printer.enabled ? "" : " (disabled)"
                print(
                    "  \(printer.name): \(printer.model.productName) \(printer.serial) at \(printer.host):\(printer.mqttPort) -> \(configuration.bridge.deviceDirectory)/\(printer.name)\(state)"
                )
            }
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            printError("\(options.config): configuration is invalid (\(error.diagnostics.count) errors)")
            throw ExitCode(1)
        }
    }
}
