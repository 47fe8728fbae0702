// SPDX-License-Identifier: AGPL-3.0-or-later
// Light codes: M355 chamber light and toolhead work light.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The light family (bambu-lan.md §2.8, §3.7).
    static let lights: Self = [
        CommandSpec(
            .m(355), "Chamber light on/off (S), work light on/off (W), or report them",
            parameters: [("S", "chamber light: 1 on, 0 off"), ("W", "work light: 1 on, 0 off (models with one)")],
            translation: "system.ledctrl chamber_light (and chamber_light2 on H2 models); system.ledctrl work_light",
            worksWithoutDeveloperMode: true,
            models: "all models; W: X1 Carbon, X1, X1E, P2S, H2S, H2D, H2D Pro, H2C, X2D"
        ) { command, context in
            let chamber = try command.int("S", in: 0...1)
            let work = try command.int("W", in: 0...1)
            if work != nil, !context.model.capabilities.workLight {
                throw CommandError("M355 W: the \(context.model.productName) has no work light")
            }
            guard chamber != nil || work != nil else {
                let mode = context.printer.lights["chamber_light"] ?? "unknown"
                context.reply(.echo("Case light: \(mode)"))
                if context.model.capabilities.workLight {
                    context.reply(.echo("Work light: \(context.printer.lights["work_light"] ?? "unknown")"))
                }
                return
            }
            try context.ensurePrinterAccepts()
            if let chamber {
                let mode = chamber == 1 ? "on" : "off"
                context.send(.ledControl(node: "chamber_light", mode: mode))
                if context.model.capabilities.secondChamberLight {
                    context.send(.ledControl(node: "chamber_light2", mode: mode))
                }
            }
            if let work { context.send(.ledControl(node: "work_light", mode: work == 1 ? "on" : "off")) }
        }
    ]
}
