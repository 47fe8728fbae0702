// SPDX-License-Identifier: AGPL-3.0-or-later
// `bambu-serial models`: the supported printer models and what each can do.

import ArgumentParser
import BambuModel

/// Prints the model table.
///
/// Exists so users can see which serial prefix maps to which model and why a command is refused
/// on their printer (no chamber heater, single nozzle…).
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List supported printer models, their serial prefixes and hardware.")

    func run() {
        let header = ["model", "name", "prefix", "nozzles", "chamber", "heater", "camera", "fans", "AMS"]
        var rows = [header]
        for model in PrinterModel.allCases {
            let capabilities = model.capabilities
            let fans = ["part"] + (capabilities.auxiliaryFan ? ["aux"] : []) + (capabilities.chamberFan ? ["chamber"] : [])
            rows.append([
                model.configName, model.productName, model.serialPrefixes.joined(separator: ","),
                "\(capabilities.nozzleCount)", capabilities.chamberSensor ? "sensor" : "-",
                capabilities.chamberHeater ? "yes" : "-", capabilities.camera.rawValue, fans.joined(separator: "+"),
                capabilities.amsKinds.map(\.rawValue).joined(separator: ", "),
            ])
        }
        print(TextTable.render(rows))
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
