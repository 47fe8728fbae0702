// SPDX-License-Identifier: AGPL-3.0-or-later
// SD print job codes: M24 start/resume, M25 pause, M26 S0 and M524 stop, M27 status, M32, M8110.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The job family (serial-host.md §9.4–§9.9).
    static let job: Self = [
        CommandSpec(
            .m(24), "Start the selected file, or resume a paused job",
            translation: "print.project_file (print.gcode_file for .gcode), or print.resume when paused",
            requires: .printerOnline
        ) { _, context in
            try startOrResume(&context)
        },
        CommandSpec(
            .m(25), "Pause the job (published after 0.5 s unless a stop follows)", translation: "print.pause",
            requires: .printerOnline
        ) { _, context in
            guard context.sd.job.isActive, context.sd.job.phase != .paused else { return }
            // The host is paused from now on (its M27 polls must say so); the request goes out
            // after a short delay unless M26 S0 turns the cancel sequence into a plain stop.
            context.sd.pauseDueAt = context.now + .milliseconds(500)
            context.sd.job.hostPauseRequestedAt = context.now
            context.sd.job.phase = .paused
        },
        CommandSpec(
            .m(26), "Set the SD position: S0 stops the job (OctoPrint's cancel); other positions are refused",
            parameters: [("S", "byte position")], translation: "print.stop for S0"
        ) { command, context in
            let position = try command.int("S", in: 0...Int(Int32.max)) ?? 0
            guard position == 0 else {
                context.reply(.action("notification \(context.configuration.printerName): cannot restart a Bambu job at a byte position"))
                return
            }
            try stop(&context)
        },
        CommandSpec(.m(524), "Abort the SD print", translation: "print.stop") { _, context in
            try stop(&context)
        },
        CommandSpec(
            .m(27), "SD print status, autoreport (S), or current file (C)",
            parameters: [("S", "seconds between reports, 0 stops"), ("C", "report the current file")],
            translation: "none (from the printer's progress)"
        ) { command, context in
            if command.has("C") {
                if let entry = context.sd.selected ?? context.sd.job.entry {
                    context.reply(.line("Current file: \(entry.alias) \(entry.file.displayName)"))
                } else {
                    context.reply(.line("Current file: (no file)"))
                }
                return
            }
            if let seconds = try command.int("S", in: 0...60) {
                context.sd.statusInterval = seconds == 0 ? nil : .seconds(seconds)
                return
            }
            context.reply(.line(context.sd.job.statusLine(printer: context.printer)))
        },
        CommandSpec(
            .m(32), "Select and start a file", translation: "as M23 then M24", requires: .printerOnline
        ) { command, context in
            guard let entry = context.sd.catalog.entry(named: command.argumentText) else {
                context.reply(.line("open failed, File: \(command.argumentText.trimmingSpaces)."))
                return
            }
            context.sd.selected = entry
            context.reply(.line("File opened: \(entry.alias) Size: \(entry.file.size)"))
            context.reply(.line("File selected"))
            try startOrResume(&context)
        },
        CommandSpec(
            .m(8110), "Options for the next print start; without parameters, report them",
            parameters: [
                ("P", "plate number (1-based)"), ("A", "use the AMS: 1 yes, 0 no (default: when present)"),
                ("M", "AMS mapping: global tray per filament, e.g. M0,1,-1"), ("L", "bed leveling 1/0"),
                ("F", "flow calibration 1/0"), ("V", "vibration calibration 1/0"), ("I", "first-layer inspection 1/0"),
                ("T", "timelapse 1/0"), ("R", "reset to defaults"),
            ],
            translation: "none (fields of the next print.project_file)"
        ) { command, context in
            var options = command.has("R") ? PrintOptions() : context.sd.options
            if let plate = try command.int("P", in: 1...64) { options.plate = plate }
            if let ams = try command.int("A", in: 0...1) { options.useAMS = ams == 1 }
            if let raw = command.parameters["M"] {
                let values = raw.split(separator: ",").map { Int(String($0).trimmingSpaces) }
                guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= -1 && $0! < 256 }) else {
                    throw CommandError("M8110: M needs tray numbers separated by commas, e.g. M0,1,-1")
                }
                options.amsMapping = values.compactMap { $0 }
            }
            if let value = try command.int("L", in: 0...1) { options.bedLeveling = value == 1 }
            if let value = try command.int("F", in: 0...1) { options.flowCalibration = value == 1 }
            if let value = try command.int("V", in: 0...1) { options.vibrationCalibration = value == 1 }
            if let value = try command.int("I", in: 0...1) { options.layerInspection = value == 1 }
            if let value = try command.int("T", in: 0...1) { options.timelapse = value == 1 }
            context.sd.options = options
            context.reply(.comment("print options: \(options.summary)"))
        },
    ]
}

/// M24: resume a paused job, or start the selected file.
private func startOrResume(_ context: inout CommandContext) throws {
    if context.sd.job.phase == .paused, let selected = context.sd.selected, let current = context.sd.job.entry,
        selected.file.path != current.file.path
    {
        throw CommandError(
            "M24: the printer is paused on \(current.file.displayName); cancel that job before starting \(selected.file.displayName)")
    }
    if context.sd.job.phase == .paused {
        context.sd.job.hostResumeRequestedAt = context.now
        context.sd.job.phase = .running
        if context.sd.pauseDueAt != nil {
            context.sd.pauseDueAt = nil  // M24 right after M25: the pause was never sent
        } else {
            context.send(.resume)
        }
        return
    }
    if context.sd.job.isActive { return }
    guard let entry = context.sd.selected else { throw CommandError("M24: no file selected (M23 first)") }
    if let state = context.printer.gcodeState, ["PREPARE", "RUNNING", "PAUSE", "SLICING"].contains(state) {
        throw CommandError("M24: the printer is busy (\(state)); not starting \(entry.file.displayName)")
    }
    let options = context.sd.options
    let file = entry.file
    if file.fileName.lowercased().hasSuffix(".gcode") {
        let path = context.model.storageURL(forPath: file.path).hasPrefix("ftp") ? file.path : "/sdcard" + file.path
        context.send(.gcodeFile(path: path))
    } else {
        context.send(
            .projectFile(
                ProjectFile(
                    url: context.model.storageURL(forPath: file.path), file: file.displayName, name: file.jobName,
                    plate: options.plate, useAMS: options.useAMS ?? !context.printer.amsUnits.isEmpty,
                    amsMapping: options.amsMapping, bedLeveling: options.bedLeveling,
                    flowCalibration: options.flowCalibration, vibrationCalibration: options.vibrationCalibration,
                    layerInspection: options.layerInspection, timelapse: options.timelapse)))
    }
    context.sd.job = PrintJob()
    context.sd.job.entry = entry
    context.sd.job.announced = true
    // The session turns this into .startPending with the request's sequence id.
    context.sd.job.phase = .startPending(deadline: context.now + startTimeout, sequenceID: 0)
}

/// M26 S0 / M524: stop the job (drops a pending pause: OctoPrint's cancel starts with M25).
private func stop(_ context: inout CommandContext) throws {
    context.sd.pauseDueAt = nil
    guard context.sd.job.isActive else { return }
    try context.ensurePrinterAccepts()
    context.send(.stop)
    context.sd.job.phase = .ended
}

/// How long a start may take before the printer shows PREPARE (download, heating, calibration).
package let startTimeout: Duration = .seconds(120)
