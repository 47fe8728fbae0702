// SPDX-License-Identifier: AGPL-3.0-or-later
// The `bambu-serial` command and its subcommands.

import ArgumentParser
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
        subcommands: [RunCommand.self, SimCommand.self, StatusCommand.self, CheckCommand.self, UploadCommand.self, CheckConfigCommand.self, ModelsCommand.self, CodesCommand.self, VersionCommand.self]
    )
}

/// Options shared by the commands that read the configuration file.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config: String = "/etc/bambu-serial/bambu-serial.toml"
}
