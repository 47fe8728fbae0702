// SPDX-License-Identifier: AGPL-3.0-or-later
// Light codes: M355 chamber light.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The light family (bambu-lan.md §3.7).
    static let lights: Self = [
        CommandSpec(
            .m(355), "Chamber light on/off, or report it", parameters: [("S", "1 on, 0 off")],
            translation: "system.ledctrl chamber_light (and chamber_light2 on H2 models)",
            worksWithoutDeveloperMode: true
        ) { command, context in
            guard let state = try command.int("S", in: 0...1) else {
                let mode = context.printer.lights["chamber_light"] ?? "unknown"
                context.reply(.echo("Case light: \(mode)"))
                return
            }
            try context.ensurePrinterAccepts()
            let mode = state == 1 ? "on" : "off"
            context.send(.ledControl(node: "chamber_light", mode: mode))
            if context.model.capabilities.secondChamberLight {
                context.send(.ledControl(node: "chamber_light2", mode: mode))
            }
        }
    ]
}
