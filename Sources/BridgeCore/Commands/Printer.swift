// SPDX-License-Identifier: AGPL-3.0-or-later
// Printer housekeeping M8150–M8159: refresh, calibration, raw requests, exact speed level.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The printer housekeeping family (bambu-lan.md §3.6, §3.20, §3.22).
    static let printer: Self = [
        CommandSpec(
            .m(8150), "Ask the printer for a full report and its module versions",
            translation: "pushing.pushall, info.get_version", requires: .printerOnline
        ) { _, context in
            context.send(.pushAll)
            context.send(.getVersion)
        },
        CommandSpec(
            .m(8151), "Run calibrations: M8151 [L] [B] [V] [M] (one or more, e.g. M8151 B V)",
            parameters: Calibration.all.map { ($0.letter, $0.name) },
            translation: "print.calibration option <bitmask: 1 LiDAR, 2 bed leveling, 4 vibration, 8 motor noise>",
            requires: .printerOnline,
            models: "all models; L: \(OptionGates.lidarModelNames); M: printers whose home_flag says they support it"
        ) { command, context in
            var option = 0
            for calibration in Calibration.all {
                guard let value = command.parameters[calibration.letter] else { continue }
                guard value.isEmpty || value == "1" || value == "0" else {
                    throw CommandError("M8151: \(calibration.letter)\(value): give the letter alone (or 1 / 0)")
                }
                if value == "0" { continue }
                if let refusal = calibration.refusal(context) { throw CommandError("M8151 \(calibration.letter): \(refusal)") }
                option |= calibration.bit
            }
            guard option != 0 else {
                throw CommandError("M8151: choose at least one calibration: L LiDAR, B bed leveling, V vibration, M motor noise")
            }
            try OptionGates.ensureIdle(command.code, context)
            context.send(.calibration(option: option))
        },
        CommandSpec(
            .m(8152), "Send a raw JSON request: M8152 {\"<module>\":{...}} (sequence_id added when missing)",
            translation: "the JSON as given (one key: print, system, info, pushing, xcam, camera or upgrade), "
                + "re-serialized compactly; sequence_id put first in the body when absent",
            requires: .printerOnline
        ) { command, context in
            let (module, body) = try RawRequest.parse(command.argumentText)
            context.send(.raw(module: module, body: body))
        },
        CommandSpec(
            .m(8153), "Set the speed level exactly: S1 silent, S2 standard, S3 sport, S4 ludicrous",
            parameters: [("S", "level 1–4")], translation: "print.print_speed param \"<S>\"", requires: .printerOnline
        ) { command, context in
            guard let level = try command.int("S", in: 1...4) else {
                throw CommandError("M8153: S<level> needed: 1 silent, 2 standard, 3 sport, 4 ludicrous")
            }
            context.send(.printSpeed(level: level))
        },
    ]
}

/// One calibration of `M8151`: its letter, bit of the `option` mask and gate (bambu-lan.md §3.20).
struct Calibration: Sendable {
    let letter: Character
    let name: String
    let bit: Int
    let refusal: @Sendable (CommandContext) -> String?

    static let all: [Calibration] = [
        Calibration(letter: "L", name: "Micro LiDAR calibration", bit: 1) { context in
            OptionGates.lidarModels.contains(context.model) ? nil : "the \(context.model.productName) has no Micro LiDAR"
        },
        Calibration(letter: "B", name: "bed leveling", bit: 2) { _ in nil },
        Calibration(letter: "V", name: "vibration compensation", bit: 4) { _ in nil },
        Calibration(letter: "M", name: "motor noise cancellation", bit: 8) { context in
            context.printer.homeFlag(.motorNoiseCalibrationSupported) == false
                ? "the \(context.model.productName) does not support motor noise calibration" : nil
        },
    ]
}

/// The checks `M8152` makes before publishing what the host wrote.
enum RawRequest {
    /// Modules a request may address (bambu-lan.md §1.3, §3).
    static let modules = ["print", "system", "info", "pushing", "xcam", "camera", "upgrade"]

    /// The module and body of a raw request.
    /// - Throws: `CommandError` for text that is not JSON (with the error's column), not one object with
    ///   exactly one known module key, or whose body is not an object.
    static func parse(_ text: String) throws(CommandError) -> (String, JSONObject) {
        let example = #"e.g. M8152 {"pushing":{"command":"pushall"}}"#
        guard !text.isEmpty else { throw CommandError("M8152: give one JSON request, \(example)") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw CommandError("M8152: invalid JSON at character \(error.offset + 1): \(error.message)")
        }
        guard let object = value.objectValue, object.count == 1, let (module, bodyValue) = object.first(where: { _ in true })
        else {
            throw CommandError("M8152: the request must be one object with exactly one key (\(modules.joined(separator: ", ")))")
        }
        guard modules.contains(module) else {
            throw CommandError("M8152: unknown module '\(module)'; use one of \(modules.joined(separator: ", "))")
        }
        guard let body = bodyValue.objectValue else { throw CommandError("M8152: the value of '\(module)' must be an object") }
        return (module, body)
    }
}
