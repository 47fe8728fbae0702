// SPDX-License-Identifier: AGPL-3.0-or-later
// SD card codes: M20 list, M21/M22 card, M23 select, M28/M29 upload, M30 delete, M33 long name.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The storage family (serial-host.md §9.1–§9.3, §9.10, §9.11), answered from the cached
    /// listing of the printer's FTPS storage.
    static let storage: Self = [
        CommandSpec(.m(21), "Init the SD card (the printer's storage); refreshes the listing",
            translation: "FTPS LIST / and /cache") { _, context in
            if context.printer.sdCardPresent == false {
                context.reply(.line("SD init fail"))
            } else {
                context.reply(.line("SD card ok"))
            }
            context.storage(.refreshList)
        },
        CommandSpec(.m(22), "Release the SD card", translation: "none") { _, _ in },
        CommandSpec(
            .m(20), "List printable files (aliases ending .GCO, real names as long names)",
            parameters: [("L", "long names"), ("T", "timestamps")], translation: "none (cached FTPS listing)"
        ) { command, context in
            let lines = context.sd.catalog.listing(longNames: command.has("L"), timestamps: command.has("T"))
            for line in lines { context.reply(.line(line)) }
            if !context.sd.catalog.isLoaded { context.storage(.refreshList) }
        },
        CommandSpec(.m(23), "Select a file by alias or real name", translation: "none") { command, context in
            let name = command.argumentText
            guard let entry = context.sd.catalog.entry(named: name) else {
                context.reply(.line("open failed, File: \(name.trimmingSpaces.isEmpty ? "(none)" : name.trimmingSpaces)."))
                return
            }
            context.sd.selected = entry
            context.reply(.line("File opened: \(entry.alias) Size: \(entry.file.size)"))
            context.reply(.line("File selected"))
        },
        CommandSpec(.m(33), "Long name of a file", translation: "none") { command, context in
            guard let entry = context.sd.catalog.entry(named: command.argumentText) else {
                context.reply(.echo("no such file: \(command.argumentText)"))
                return
            }
            context.reply(.freeText("/" + entry.file.displayName))
        },
        CommandSpec(
            .m(28), "Write a file to the printer's storage (lines until M29 are stored, not run)",
            translation: "spooled, then FTPS upload at M29"
        ) { command, context in
            let name = command.argumentText.trimmingSpaces
            guard !name.isEmpty else { throw CommandError("M28: a file name is needed") }
            guard context.sd.writing == nil else { throw CommandError("M28: already writing a file") }
            let operation = context.sd.makeOperationID()
            let remote = name.hasPrefix("/") ? name : "/" + name
            context.sd.writing = Upload(operation: operation, remotePath: remote)
            context.storage(.beginSpool(operation: operation))
            context.reply(.line("Writing to file: \(remote)"))
        },
        CommandSpec(.m(29), "Stop writing the file and upload it", translation: "FTPS STOR") { _, context in
            guard let upload = context.sd.writing else {
                context.reply(.echo("M29: not writing a file"))
                return
            }
            context.sd.writing = nil
            context.storage(.finishSpool(operation: upload.operation, remotePath: upload.remotePath))
            context.reply(.line("Done saving file."))
            context.reply(.comment("uploading \(upload.remotePath) (\(upload.bytes) bytes) to the printer"))
        },
        CommandSpec(.m(30), "Delete a file", translation: "FTPS DELE") { command, context in
            let name = command.argumentText.trimmingSpaces
            guard let entry = context.sd.catalog.entry(named: name) else {
                context.reply(.line("Deletion failed, File: \(name)."))
                return
            }
            if context.sd.job.isActive, context.sd.job.entry?.file.path == entry.file.path {
                context.reply(.line("Deletion failed, File: \(entry.alias)."))
                context.reply(.echo("\(entry.alias) is being printed"))
                return
            }
            try context.ensurePrinterAccepts()
            let operation = context.sd.makeOperationID()
            context.storage(.delete(operation: operation, path: entry.file.path))
            context.ack = .wait(
                .storage(
                    operation: operation, success: [.line("File deleted:\(entry.alias)")],
                    failure: [.line("Deletion failed, File: \(entry.alias).")]),
                timeout: .seconds(60))
        },
    ]
}
