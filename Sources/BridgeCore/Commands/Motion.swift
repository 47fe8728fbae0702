// SPDX-License-Identifier: AGPL-3.0-or-later
// Motion-related codes: M114 position, M220 speed, T0/T1 tool selection.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The motion family (serial-host.md §8, §14; bambu-lan.md §3.6, §3.19).
    static let motion: Self = [
        CommandSpec(.m(114), "Report position (Bambu printers do not report it: zeros)",
            translation: "none") { _, context in
            context.reply(.line("X:0.00 Y:0.00 Z:0.00 E:0.00 Count X:0 Y:0 Z:0"))
        },
        CommandSpec(
            .m(220), "Speed: report, or set the nearest level (50 silent, 100 standard, 124 sport, 166 ludicrous)",
            parameters: [("S", "percent")], translation: "print.print_speed param \"1\"…\"4\"", requires: .nothing
        ) { command, context in
            guard let percent = try command.int("S", in: 1...1000) else {
                context.reply(.line("FR:\(context.printer.speedPercent ?? 100)%"))
                return
            }
            try context.ensurePrinterAccepts()
            context.send(.printSpeed(level: SpeedLevel.nearest(toPercent: percent).rawValue))
        },
        CommandSpec(.t(0), "Select nozzle 0 (right, main)", translation: "print.select_extruder 0 on two-nozzle models")
        { command, context in try selectTool(0, command, &context) },
        CommandSpec(.t(1), "Select nozzle 1 (left, deputy) on two-nozzle models",
            translation: "print.select_extruder 1") { command, context in try selectTool(1, command, &context) },
    ]
}

private func selectTool(_ tool: Int, _ command: GCodeCommand, _ context: inout CommandContext) throws {
    let count = context.model.capabilities.nozzleCount
    guard tool < count else { throw CommandError("T\(tool) Invalid extruder") }
    if count > 1 {
        try context.ensurePrinterAccepts()
        context.send(.selectExtruder(tool))
    }
    context.reply(.echo("Active Extruder: \(tool)"))
}

/// The printer's four speed presets (bambu-lan.md §2.7).
package enum SpeedLevel: Int, CaseIterable, Sendable {
    case silent = 1, standard, sport, ludicrous

    /// The speed in percent the preset runs at.
    package var percent: Int {
        switch self {
        case .silent: 50
        case .standard: 100
        case .sport: 124
        case .ludicrous: 166
        }
    }

    /// The preset closest to a percentage (ties go to the slower one).
    package static func nearest(toPercent percent: Int) -> SpeedLevel {
        allCases.min { abs($0.percent - percent) < abs($1.percent - percent) } ?? .standard
    }
}
