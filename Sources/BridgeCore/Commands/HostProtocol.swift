// SPDX-License-Identifier: AGPL-3.0-or-later
// Codes that belong to the serial conversation itself: M110, M112, M115, M155, M117, M118…

import BambuModel
import GCode

extension [CommandSpec] {
    /// The host protocol family (serial-host.md §3–§6, §14).
    static let hostProtocol: Self = [
        CommandSpec(
            .m(110), "Set the current line number", parameters: [("N", "line number")],
            translation: "none (the line framer keeps the number)"
        ) { _, _ in },
        CommandSpec(
            .m(112), "Emergency stop: stop the print job", translation: "print.stop (once, even when sent twice)",
            isEmergency: true
        ) { _, context in
            // Hosts send M112 twice (bare and numbered); publish one stop (serial-host.md §4).
            if let sent = context.host.emergencyStopSentAt, context.now - sent < .seconds(5) { return }
            if let refusal = context.controlRefusal {
                context.reply(.echo(refusal))
                return
            }
            context.send(.stop)
            context.host.emergencyStopSentAt = context.now
        },
        CommandSpec(
            .m(108), "Cancel a heating wait (M109/M190/M191)", translation: "none", isEmergency: true
        ) { _, _ in },
        CommandSpec(.m(410), "Quick stop (acknowledged; moves are the printer's)", translation: "none",
            isEmergency: true) { _, _ in },
        CommandSpec(.m(115), "Firmware name and capabilities", translation: "none (answered from the model)") {
            _, context in
            let model = context.model
            context.reply(
                .line(
                    "FIRMWARE_NAME:\(FirmwareIdentity.name) \(FirmwareIdentity.version) (Marlin compatible) "
                        + "SOURCE_CODE_URL:\(FirmwareIdentity.sourceURL) PROTOCOL_VERSION:1.0 "
                        + "MACHINE_TYPE:\(model.productName) EXTRUDER_COUNT:\(model.capabilities.nozzleCount) "
                        + "UUID:\(context.configuration.firmwareUUID)"))
            for capability in context.firmwareCapabilities {
                context.reply(.line("Cap:\(capability.name):\(capability.enabled ? 1 : 0)"))
            }
        },
        CommandSpec(
            .m(155), "Temperature autoreport interval", parameters: [("S", "seconds between reports, 0 stops")],
            translation: "none (reports come from cached state)"
        ) { command, context in
            let seconds = try command.int("S", in: 0...60) ?? 0
            context.host.temperatureInterval = seconds == 0 ? nil : .seconds(seconds)
        },
        CommandSpec(.m(117), "Set the LCD message (accepted, not shown)",
            translation: "none") { _, _ in },
        CommandSpec(
            .m(118), "Echo text to the host",
            parameters: [("A", "A1: prefix //"), ("E", "E1: prefix echo:"), ("P", "port (ignored)")],
            translation: "none"
        ) { command, context in
            var text = Substring(command.argumentText)
            var prefix = ""
            // Marlin reads A1/E1/Pn flags before the text.
            while text.count >= 2, let flag = text.first, ["A", "E", "P"].contains(String(flag).uppercased()) {
                let value = text.dropFirst().prefix(while: { $0.isNumber })
                guard !value.isEmpty else { break }
                if flag.uppercased() == "A", value == "1" { prefix = "//" }
                if flag.uppercased() == "E", value == "1" { prefix = "echo:" }
                text = text.dropFirst(1 + value.count).drop(while: { $0 == " " })
            }
            switch prefix {
            case "//": context.reply(.line("//" + text))
            case "echo:": context.reply(.echo(String(text)))
            default: context.reply(.freeText(String(text)))
            }
        },
        CommandSpec(.m(113), "Host keepalive interval (accepted)", parameters: [("S", "seconds")],
            translation: "none") { _, _ in },
        CommandSpec(.m(400), "Finish moves (commands are sent when acknowledged)", translation: "none") { _, _ in },
        CommandSpec(.m(876), "Prompt response (accepted)", parameters: [("S", "choice"), ("P", "prompt support")],
            translation: "none") { _, _ in },
        CommandSpec(.m(111), "Debug level (accepted)", parameters: [("S", "level")], translation: "none") { _, _ in },
        CommandSpec(.m(999), "Restart after an error (accepted)", translation: "none") { _, _ in },
    ]
}

/// How the bridge names itself to hosts.
///
/// Exists so the `M115` line and `bambu-serial --version` agree. The name must not contain any
/// word OctoPrint keys protocol changes on (serial-host.md §6.1).
package enum FirmwareIdentity {
    package static let name = "bambu-serial"
    package static let version = "0.1.0"
    package static let sourceURL = "https://github.com/bambu-serial/bambu-serial"
}
