// SPDX-License-Identifier: AGPL-3.0-or-later
// The `bambu-serial` command and its subcommands.

import ArgumentParser
import BridgeConfig
import BridgeCore

/// The root command.
///
/// Exists as the composition root's front door: every mode of the program (daemon, simulator,
/// configuration check, model table) is a subcommand here.
@main
struct BambuSerialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bambu-serial",
        abstract: "Make Bambu Lab printers on the LAN look like Marlin printers on serial ports.",
        version: "\(FirmwareIdentity.name) \(FirmwareIdentity.version)",
        subcommands: [
            RunCommand.self, SimCommand.self, StatusCommand.self, CheckCommand.self, UploadCommand.self,
            HMSUpdateCommand.self, CheckConfigCommand.self, CameraBenchCommand.self, ModelsCommand.self,
            CodesCommand.self, VersionCommand.self,
        ]
    )
}

/// Options shared by the commands that read the configuration file.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config: String = "/etc/bambu-serial/bambu-serial.toml"

    /// Loads the configuration and finds one printer; prints the errors and exits 1 otherwise.
    func loadPrinter(named name: String) throws -> (BridgeConfiguration, PrinterConfiguration) {
        let configuration: BridgeConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: config)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(1)
        }
        guard let printer = configuration.printers.first(where: { $0.name == name }) else {
            printError("no printer named '\(name)' in \(config)")
            throw ExitCode(1)
        }
        return (configuration, printer)
    }
}
