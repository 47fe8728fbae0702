// SPDX-License-Identifier: AGPL-3.0-or-later
// Heater codes: M104/M109 nozzle, M140/M190 bed, M141/M191 chamber, M105 report.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The temperature family (serial-host.md §7, bambu-lan.md §3.4).
    static let temperature: Self = [
        CommandSpec(
            .m(105), "Report temperatures", parameters: [("T", "ignored: every nozzle is reported")],
            translation: "none (answered from cached state)"
        ) { _, context in
            context.ack = .ok(
                TemperatureReport.line(
                    for: context.printer, model: context.model,
                    externalChamber: context.configuration.externalChamber))
        },
        CommandSpec(
            .m(104), "Set nozzle target", parameters: [("S", "target °C, 0–300"), ("T", "nozzle 0 or 1 (two-nozzle models)")],
            translation: "gcode_line \"M104 S<t>\" (\"M104 S<t> T<n>\" on two-nozzle models)", requires: .printerOnline
        ) { command, context in
            let (target, tool) = try nozzleTarget(command, context)
            context.send(.gcodeLine(nozzleLine(target: target, tool: tool, context)))
        },
        CommandSpec(
            .m(109), "Set nozzle target and wait",
            parameters: [("S", "target °C, wait while heating"), ("R", "target °C, wait both ways"), ("T", "nozzle")],
            translation: "gcode_line \"M104 S<t>\", then holds ok until within 1 °C", requires: .printerOnline
        ) { command, context in
            let (target, tool) = try nozzleTarget(command, context)
            context.send(.gcodeLine(nozzleLine(target: target, tool: tool, context)))
            let index = tool ?? context.printer.activeExtruder
            if target > 0 || command.has("R") {
                context.ack = .wait(
                    .nozzle(index: index, target: Double(target), bothWays: command.has("R")), timeout: waitTimeout)
            }
        },
        CommandSpec(
            .m(140), "Set bed target", parameters: [("S", "target °C, 0–120")],
            translation: "gcode_line \"M140 S<t>\"", requires: .printerOnline
        ) { command, context in
            let target = try bedTarget(command)
            context.send(.gcodeLine("M140 S\(target)"))
        },
        CommandSpec(
            .m(190), "Set bed target and wait", parameters: [("S", "target °C, wait while heating"), ("R", "both ways")],
            translation: "gcode_line \"M140 S<t>\", then holds ok until within 1 °C", requires: .printerOnline
        ) { command, context in
            let target = try bedTarget(command)
            context.send(.gcodeLine("M140 S\(target)"))
            if target > 0 || command.has("R") {
                context.ack = .wait(.bed(target: Double(target), bothWays: command.has("R")), timeout: waitTimeout)
            }
        },
        CommandSpec(
            .m(141), "Set chamber target (X1E, H2 series, or external_chamber)", parameters: [("S", "target °C, 0–65")],
            translation: "print.set_ctt on H2/X2D; gcode_line \"M141 S<t>\" on X1E or with external_chamber",
            requires: .printerOnline
        ) { command, context in
            let target = try chamberTarget(command, context)
            context.send(chamberRequest(target, context))
        },
        CommandSpec(
            .m(191), "Set chamber target and wait", parameters: [("S", "target °C"), ("R", "both ways")],
            translation: "as M141, then holds ok until within 1 °C", requires: .printerOnline
        ) { command, context in
            let target = try chamberTarget(command, context)
            context.send(chamberRequest(target, context))
            if target > 0 || command.has("R") {
                context.ack = .wait(.chamber(target: Double(target), bothWays: command.has("R")), timeout: waitTimeout)
            }
        },
    ]
}

/// Marlin waits without a limit; we give up after 30 minutes so a lost printer cannot hold an `ok` forever.
private let waitTimeout: Duration = .seconds(30 * 60)

/// Target from S (or R) and the tool from T, checked against the model.
private func nozzleTarget(_ command: GCodeCommand, _ context: CommandContext) throws -> (Int, Int?) {
    let letter: Character = command.has("S") || !command.has("R") ? "S" : "R"
    let target = try command.int(letter, in: 0...300) ?? 0
    guard let tool = try command.int("T", in: 0...15) else { return (target, nil) }
    guard tool < context.model.capabilities.nozzleCount else {
        throw CommandError("\(command.code) T\(tool) Invalid extruder")
    }
    return (target, context.model.capabilities.nozzleCount > 1 ? tool : nil)
}

private func nozzleLine(target: Int, tool: Int?, _ context: CommandContext) -> String {
    guard let tool else { return "M104 S\(target)" }
    return "M104 S\(target) T\(tool)"
}

private func bedTarget(_ command: GCodeCommand) throws -> Int {
    let letter: Character = command.has("S") || !command.has("R") ? "S" : "R"
    return try command.int(letter, in: 0...120) ?? 0
}

private func chamberTarget(_ command: GCodeCommand, _ context: CommandContext) throws -> Int {
    guard context.model.capabilities.chamberHeater || context.configuration.externalChamber else {
        throw CommandError("\(command.code): the \(context.model.productName) has no chamber heater")
    }
    let letter: Character = command.has("S") || !command.has("R") ? "S" : "R"
    return try command.int(letter, in: 0...65) ?? 0
}

private func chamberRequest(_ target: Int, _ context: CommandContext) -> BambuRequest {
    if context.configuration.externalChamber || !context.model.capabilities.airduct {
        return .gcodeLine("M141 S\(target)")
    }
    return .chamberTarget(target)
}
