// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial codes`: every G/M/T code the bridge answers and what it sends to the printer.

import ArgumentParser
import BridgeCore

/// Prints the command table, as text, as the README's Markdown table, or as the man page.
///
/// Exists so the documentation a user reads comes from the same table the bridge dispatches on
/// (`make docs` writes `man/bambu-serial-gcode.7` and the README table with it).
struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes", abstract: "List the G/M/T codes the bridge answers and their MQTT translation.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, man
    }

    @Option(help: "text (default), markdown (the README table) or man (bambu-serial-gcode(7)).")
    var format: Format = .text

    func run() {
        switch format {
        case .markdown:
            print(CommandManual().markdown(), terminator: "")
        case .man:
            print(CommandManual().manPage(version: FirmwareIdentity.version), terminator: "")
        case .text:
            var rows = [["code", "summary", "parameters", "sent to the printer", "models"]]
            for spec in CommandTable.standard.specs {
                let parameters = spec.parameters.map { "\($0.letter): \($0.meaning)" }.joined(separator: "; ")
                rows.append([
                    "\(spec.code)", spec.summary, parameters.isEmpty ? "-" : parameters, spec.translation, spec.models,
                ])
            }
            print(TextTable.render(rows))
            print("")
            print("Any other G or M code is sent as print.gcode_line unless unknown_gcode = \"reject\";")
            print("SD-card codes (M20-M34, M524, M928) and M0/M1 are never passed through.")
        }
    }
}
