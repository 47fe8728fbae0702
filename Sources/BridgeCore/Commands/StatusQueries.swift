// SPDX-License-Identifier: AGPL-3.0-or-later
// Help and status queries M8100–M8109: M8100 code list, M8101 overall status.

import BambuModel
package import GCode

extension [CommandSpec] {
    /// The status-query family: answers from the table and the cached state, never publishes.
    static let statusQueries: Self = [
        CommandSpec(.m(8100), "List the bridge's own codes with a one-line summary each", translation: "none") {
            _, context in
            for spec in context.commands where HelpList.includes(spec.code) {
                context.reply(.comment("\(spec.code) \(spec.summary)"))
            }
        },
        CommandSpec(
            .m(8101), "Report the printer's overall status: link, job, stage, speed, fans, lights, Wi-Fi, firmware, nozzles",
            translation: "none (read from the last reports and get_version)"
        ) { _, context in
            for line in overallStatusLines(context) { context.reply(.comment(line)) }
        },
    ]
}

/// Which codes `M8100` lists: ours (M8100–M8199) and the Marlin codes with a Bambu meaning.
package enum HelpList {
    /// Marlin codes whose translation is the bridge's own (filament change, object cancel).
    package static let marlinWithBambuMeaning: Set<CommandCode> = [.m(486), .m(600), .m(701), .m(702)]

    package static func includes(_ code: CommandCode) -> Bool {
        if case .m(let number) = code, (8100...8199).contains(number) { return true }
        return marlinWithBambuMeaning.contains(code)
    }
}

/// The `M8101` lines (without the `// ` prefix).
func overallStatusLines(_ context: CommandContext) -> [String] {
    let printer = context.printer
    let capabilities = context.model.capabilities
    var lines: [String] = []

    var link = "link: \(context.linkState.name)"
    if let reason = context.linkState.reason { link += " (\(reason))" }
    lines.append("printer: \(context.configuration.printerName) (\(context.model.productName)), \(link)")

    let stageText: String
    if let stage = printer.stage {
        // P1/A1 report 0 while idle after boot; HA treats 0 with print_type "idle" as idle (§2.16).
        let idle = PrinterStage.isIdle(stage) || (stage == 0 && printer.print["print_type"]?.stringValue == "idle")
        stageText = idle ? "idle" : "\(PrinterStage.name(stage) ?? "unknown") (\(stage))"
    } else {
        stageText = "unknown"
    }
    lines.append("state: \(printer.gcodeState ?? "unknown"), stage: \(stageText)")

    let name = printer.subtaskName.flatMap { $0.isEmpty ? nil : $0 } ?? "none"
    var job = "job: \(name), progress \(printer.progressPercent.map { "\($0)%" } ?? "unknown")"
    job += ", layer \(printer.layer.map(String.init) ?? "?")/\(printer.totalLayers.map(String.init) ?? "?")"
    job += ", remaining " + (printer.remainingMinutes.map(StatusText.minutes) ?? "unknown")
    if let start = printer.jobStartEpoch {
        if let base = context.configuration.wallClockAtStart, printer.gcodeState.map(jobIsLive) == true {
            let elapsed = base + context.now.components.seconds - Int64(start)
            if elapsed >= 0 { job += ", elapsed " + StatusText.minutes(Int(elapsed / 60)) }
        }
        job += ", started \(StatusText.utc(epoch: start))"
    }
    lines.append(job)

    if let level = printer.speedLevel.flatMap(SpeedLevel.init(rawValue:)) {
        lines.append("speed: level \(level.rawValue) \(level) (\(printer.speedPercent ?? level.percent)%)")
    } else {
        lines.append("speed: unknown")
    }

    var fans = ["part \(StatusText.percent(printer.fanPercent(.part)))"]
    if capabilities.auxiliaryFan { fans.append("auxiliary \(StatusText.percent(printer.fanPercent(.auxiliary)))") }
    if capabilities.chamberFan { fans.append("chamber \(StatusText.percent(printer.fanPercent(.chamber)))") }
    lines.append("fans: " + fans.joined(separator: ", "))

    let lights = printer.lights.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    lines.append("lights: " + (lights.isEmpty ? "unknown" : lights.joined(separator: ", ")))
    lines.append("wifi: \(printer.wifiSignal ?? "unknown")")

    var firmware = "firmware: \(printer.firmwareVersion ?? "unknown")"
    if let update = printer.firmwareUpdate { firmware += ", update available: \(update)" }
    if let upgrade = printer.upgradeProgress { firmware += ", upgrade state: \(upgrade.status) (\(upgrade.progress)%)" }
    lines.append(firmware)
    let modules = printer.versions.filter { $0.name != "ota" }.map { "\($0.name) \($0.software)" }
    lines.append("modules: " + (modules.isEmpty ? "unknown" : modules.joined(separator: ", ")))

    let nozzles = printer.nozzles
    if nozzles.isEmpty {
        lines.append("nozzle: unknown")
    } else if capabilities.nozzleCount > 1 {
        let described = nozzles.map { nozzle in
            "\(nozzle.id) (\(nozzle.id == 0 ? "right" : "left")) \(StatusText.nozzle(nozzle))"
        }
        lines.append("nozzles: " + described.joined(separator: ", "))
    } else {
        lines.append("nozzle: " + StatusText.nozzle(nozzles[0]))
    }
    return lines
}

/// Small formatters for status lines.
enum StatusText {
    static func percent(_ value: Int?) -> String { value.map { "\($0)%" } ?? "unknown" }

    static func minutes(_ total: Int) -> String {
        total >= 60 ? "\(total / 60) h \(total % 60) min" : "\(total) min"
    }

    static func nozzle(_ nozzle: NozzleHardware) -> String {
        "\(nozzle.diameter.map { "\($0) mm" } ?? "unknown diameter") \(nozzle.type ?? "unknown type")"
    }

    /// `2024-05-01 12:00:00 UTC` for epoch seconds (proleptic Gregorian, days-from-civil inverse).
    static func utc(epoch: Int) -> String {
        let days = epoch >= 0 ? epoch / 86_400 : (epoch - 86_399) / 86_400
        let seconds = epoch - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)) UTC"
    }
}

/// Whether a job in this `gcode_state` is still going (its elapsed time still grows).
private func jobIsLive(_ state: String) -> Bool {
    ["PREPARE", "RUNNING", "PAUSE", "SLICING"].contains(state)
}
