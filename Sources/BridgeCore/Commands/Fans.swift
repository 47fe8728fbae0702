// SPDX-License-Identifier: AGPL-3.0-or-later
// Fan codes: M106/M107 with P0 part cooling, P1 auxiliary, P2 chamber/exhaust.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The fan family (bambu-lan.md §3.5): the host's Marlin fan index P0/P1/P2 becomes the
    /// printer's own `M106 P1/P2/P3`; the 0–255 speed snaps to the printer's 10 % steps.
    static let fans: Self = [
        CommandSpec(
            .m(106), "Set fan speed",
            parameters: [("P", "0 part cooling (default), 1 auxiliary, 2 chamber/exhaust"), ("S", "speed 0–255")],
            translation: "gcode_line \"M106 P<P+1> S<s>\" with s snapped to 10 % steps", requires: .printerOnline
        ) { command, context in
            let fan = try fanIndex(command, context)
            let speed = try command.int("S", in: 0...255) ?? 255
            context.send(.gcodeLine("M106 P\(fan + 1) S\(printerFanSpeed(speed))"))
        },
        CommandSpec(
            .m(107), "Fan off", parameters: [("P", "0 part cooling (default), 1 auxiliary, 2 chamber/exhaust")],
            translation: "gcode_line \"M106 P<P+1> S0\"", requires: .printerOnline
        ) { command, context in
            let fan = try fanIndex(command, context)
            context.send(.gcodeLine("M106 P\(fan + 1) S0"))
        },
    ]
}

/// The host's fan index, refused when the model lacks that fan.
private func fanIndex(_ command: GCodeCommand, _ context: CommandContext) throws -> Int {
    let index = try command.int("P", in: 0...2) ?? 0
    let capabilities = context.model.capabilities
    if index == 1, !capabilities.auxiliaryFan {
        throw CommandError("\(command.code) P1: the \(context.model.productName) has no auxiliary fan")
    }
    if index == 2, !capabilities.chamberFan {
        throw CommandError("\(command.code) P2: the \(context.model.productName) has no chamber fan")
    }
    return index
}

/// Snaps a 0–255 speed to the nearest 10 % step and back to 0–255, as the printer stores it
/// (the vendor's slicer works in 10 % steps; HA sends `ceil(255 × percent / 100)`).
package func printerFanSpeed(_ speed: Int) -> Int {
    let percent = (Double(speed) / 255 * 10).rounded() * 10
    return Int((255 * percent / 100).rounded(.up))
}
