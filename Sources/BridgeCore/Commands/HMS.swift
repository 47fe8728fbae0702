// SPDX-License-Identifier: AGPL-3.0-or-later
// M8103: the active HMS entries and print error, with texts.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The HMS family (bambu-lan.md §4).
    static let hms: Self = [
        CommandSpec(
            .m(8103), "Report the active HMS entries and the print error, with the vendor's texts",
            translation: "none (answers from the last report)"
        ) { _, context in
            for line in HMSReport.lines(
                printer: context.printer, model: context.model, texts: context.hmsTexts)
            {
                context.reply(.comment(line))
            }
        }
    ]
}

/// The text of `M8103`.
///
/// Exists so the status answer for HMS entries and the print error is built in one place from
/// cached state, with or without the vendor's text table.
enum HMSReport {
    /// One line per active HMS entry, then the print error, then a hint when no texts are loaded.
    static func lines(printer: PrinterState, model: PrinterModel, texts: HMSTextTable?) -> [String] {
        var lines: [String] = []
        let entries = printer.hms
        if entries.isEmpty {
            lines.append("no active HMS entries")
        }
        for entry in entries {
            let text = texts?.lookup(entry).phrase ?? "no description loaded"
            lines.append(
                "HMS \(entry.displayCode) \(entry.severity) \(entry.moduleName): \(text) \(entry.wikiLink(for: model))")
        }
        let error = PrintErrorCode(rawValue: printer.printError)
        if error.isNone {
            lines.append("print error: none")
        } else {
            let text = texts?.lookup(error).phrase ?? "no description loaded"
            lines.append("print error \(error.displayCode) \(error.moduleName): \(text)")
        }
        if texts == nil {
            lines.append("HMS texts not loaded: run `bambu-serial hms-update` and reload the daemon")
        }
        return lines
    }
}
