// SPDX-License-Identifier: AGPL-3.0-or-later
// Printer options and detectors M8130–M8139, and the M8104 options query.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The printer-options family (bambu-lan.md §2.10, §2.11, §3.15, §3.16).
    static let printerOptions: Self = [
        CommandSpec(
            .m(8130), "Switch printer options (one request per option given, in the order R S T W B P A)",
            parameters: OptionSwitch.all.map { ($0.letter, $0.parameterText) },
            translation: "print.print_option, one per option: auto_recovery (with option 1|0), sound_enable, "
                + "filament_tangle_detect, auto_switch_filament, nozzle_blob_detect, air_print_detect, air_purification",
            requires: .printerOnline,
            models: "all models; S: \(OptionGates.soundModelNames); T, W: with an AMS; B, P: printers whose "
                + "home_flag says they support it; A: \(OptionGates.purifierModelNames)"
        ) { command, context in
            let given = OptionSwitch.all.filter { command.has($0.letter) }
            guard !given.isEmpty else {
                throw CommandError("M8130: give at least one of R S T W B P A (M8104 shows the current settings)")
            }
            var requests: [BambuRequest] = []
            for option in given {
                let value = try command.int(option.letter, in: option.range) ?? option.range.upperBound
                if let refusal = option.refusal(context) { throw CommandError("M8130 \(option.letter): \(refusal)") }
                requests.append(.printOption(option.make(value)))
            }
            for request in requests { context.send(request) }
        },
        CommandSpec(
            .m(8131), "Switch a camera detector: M8131 D<detector> S<1|0> [H<low|medium|high>]",
            parameters: [
                ("D", "detector: " + CameraDetector.allCases.map(\.shortName).joined(separator: ", ")),
                ("S", "1 on, 0 off"),
                ("H", "halt sensitivity low, medium or high (ai, pileup, clump, airprint)"),
            ],
            translation: "xcam.xcam_control_set module_name <detector> control/enable <on> print_halt true "
                + "[halt_print_sensitivity]",
            requires: .printerOnline,
            models: "all models; firstlayer: \(OptionGates.lidarModelNames); other detectors: printers that report them"
        ) { line, context in
            let command = line.spaced
            let words = command.parameters
            let names = CameraDetector.allCases.map(\.shortName).joined(separator: ", ")
            guard let name = words["D"], !name.isEmpty else { throw CommandError("M8131: D<detector> needed, one of \(names)") }
            guard let detector = CameraDetector(hostName: name) else {
                throw CommandError("M8131: unknown detector '\(name)'; use one of \(names)")
            }
            guard let state = try command.int("S", in: 0...1) else { throw CommandError("M8131: S1 (on) or S0 (off) needed") }
            var sensitivity: String?
            if let level = words["H"] {
                guard detector.hasSensitivity else {
                    throw CommandError("M8131: the \(detector.displayName) has no sensitivity; leave out H")
                }
                guard CameraDetector.sensitivities.contains(level.lowercased()) else {
                    throw CommandError("M8131: H\(level) is not a sensitivity; use low, medium or high")
                }
                sensitivity = level.lowercased()
            }
            guard OptionGates.offers(detector, context) else {
                let product = context.model.productName
                if detector == .firstLayerInspector {
                    throw CommandError("M8131: the \(product) has no Micro LiDAR for the first layer inspector")
                }
                throw CommandError("M8131: the \(product) does not report the \(detector.displayName)")
            }
            context.send(.cameraDetector(detector, enabled: state == 1, sensitivity: sensitivity))
        },
        CommandSpec(
            .m(8104), "Report every printer option and camera detector as the printer confirmed them",
            translation: "none (read from home_flag and xcam of the last reports)"
        ) { _, context in
            for line in optionStatusLines(context) { context.reply(.comment(line)) }
        },
    ]
}

/// The `M8104` lines: one per option of `M8130`, then one per detector of `M8131`.
func optionStatusLines(_ context: CommandContext) -> [String] {
    var lines = OptionSwitch.all.map { "\($0.letter) \($0.name): \($0.confirmed(context))" }
    for detector in CameraDetector.allCases {
        let text: String
        if !OptionGates.offers(detector, context) {
            text = "not available"
        } else if let state = context.printer.detector(detector) {
            text = (state.enabled ? "on" : "off") + (state.sensitivity.map { ", sensitivity \($0)" } ?? "")
        } else {
            text = "not reported"
        }
        lines.append("D\(detector.shortName) \(detector.displayName): \(text)")
    }
    return lines
}

/// One letter of `M8130`: the option it switches, its gate and where reports confirm it.
///
/// Exists so `M8130` (set) and `M8104` (read back) are derived from one list.
struct OptionSwitch: Sendable {
    let letter: Character
    let name: String
    let range: ClosedRange<Int>
    let make: @Sendable (Int) -> PrintOption
    /// Why the option cannot be switched on this printer, or nil.
    let refusal: @Sendable (CommandContext) -> String?
    /// The state the printer reports.
    let confirmed: @Sendable (CommandContext) -> String

    var parameterText: String {
        range.upperBound == 2 ? "\(name): 0 off, 1 internal, 2 external" : "\(name): 1 on, 0 off"
    }

    static let all: [OptionSwitch] = [
        OptionSwitch(
            letter: "R", name: "auto recovery from step loss", range: 0...1, make: { .autoRecovery($0 == 1) },
            refusal: { _ in nil }, confirmed: { OptionGates.onOff($0.printer.homeFlag(.autoRecovery)) }),
        OptionSwitch(
            letter: "S", name: "prompt sound", range: 0...1, make: { .sound($0 == 1) },
            refusal: { context in
                OptionGates.soundModels.contains(context.model)
                    ? nil : "the \(context.model.productName) has no switchable prompt sound"
            },
            confirmed: { context in
                OptionGates.soundModels.contains(context.model)
                    ? OptionGates.onOff(context.printer.homeFlag(.sound)) : "not available"
            }),
        OptionSwitch(
            letter: "T", name: "filament tangle detection", range: 0...1, make: { .filamentTangleDetect($0 == 1) },
            refusal: { context in
                if context.printer.amsUnits.isEmpty {
                    return "the \(context.model.productName) reports no AMS; tangle detection needs one"
                }
                if context.printer.homeFlag(.tangleDetectSupported) == false {
                    return "the \(context.model.productName) does not support filament tangle detection"
                }
                return nil
            },
            confirmed: { context in
                context.printer.homeFlag(.tangleDetectSupported) == false
                    ? "not available" : OptionGates.onOff(context.printer.homeFlag(.tangleDetect))
            }),
        OptionSwitch(
            letter: "W", name: "AMS auto switch filament", range: 0...1, make: { .autoSwitchFilament($0 == 1) },
            refusal: { context in
                context.printer.amsUnits.isEmpty
                    ? "the \(context.model.productName) reports no AMS; auto switch needs one" : nil
            },
            confirmed: { OptionGates.onOff($0.printer.homeFlag(.autoSwitchFilament)) }),
        OptionSwitch(
            letter: "B", name: "nozzle blob detection", range: 0...1, make: { .nozzleBlobDetect($0 == 1) },
            refusal: { context in
                context.printer.homeFlag(.nozzleBlobDetectSupported) == false
                    ? "the \(context.model.productName) does not support nozzle blob detection" : nil
            },
            confirmed: { context in
                context.printer.homeFlag(.nozzleBlobDetectSupported) == false
                    ? "not available" : OptionGates.onOff(context.printer.homeFlag(.nozzleBlobDetect))
            }),
        OptionSwitch(
            letter: "P", name: "air-printing detection", range: 0...1, make: { .airPrintDetect($0 == 1) },
            refusal: { context in
                context.printer.homeFlag(.airPrintDetectSupported) == false
                    ? "the \(context.model.productName) does not support air-printing detection" : nil
            },
            confirmed: { context in
                context.printer.homeFlag(.airPrintDetectSupported) == false
                    ? "not available" : OptionGates.onOff(context.printer.homeFlag(.airPrintDetect))
            }),
        OptionSwitch(
            letter: "A", name: "air purification", range: 0...2, make: { .airPurification($0) },
            refusal: { context in
                OptionGates.purifierModels.contains(context.model)
                    ? nil : "the \(context.model.productName) has no air purifier"
            },
            confirmed: { context in
                OptionGates.purifierModels.contains(context.model) ? "not reported by the printer" : "not available"
            }),
    ]
}
