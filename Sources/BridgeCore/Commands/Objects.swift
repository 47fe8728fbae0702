// SPDX-License-Identifier: AGPL-3.0-or-later
// M486: Marlin cancel-objects over skip_objects.

import BambuModel
import GCode

extension [CommandSpec] {
    /// The cancel-objects family (bambu-lan.md §2.18, §3.8).
    ///
    /// Marlin numbers objects from the labels in the G-code it streams; a Bambu printer runs its
    /// own sliced file and names objects by their `identify_id` in the 3MF, so `P` takes those ids,
    /// as `M486` lists them. The labelling forms hosts emit while streaming (`T`, `S`, `A`) are
    /// accepted and ignored: the printer already knows its objects.
    static let objects: Self = [
        CommandSpec(
            .m(486), "Cancel objects: list the job's objects, or skip one (P<id>)",
            parameters: [
                ("P", "skip the object with this id (as M486 lists it)"),
                ("U", "un-skip: refused, a skipped object cannot be restored"),
                ("C", "skip the current object: refused, the current object is not known"),
                ("T", "total object count (labelling while streaming): accepted, ignored"),
                ("S", "current object index (labelling while streaming): accepted, ignored"),
                ("A", "current object name (labelling while streaming): accepted, ignored"),
            ],
            translation: "print.skip_objects obj_list [<id>] for P; none otherwise"
        ) { command, context in
            if command.has("U") {
                throw CommandError("M486 U: a skipped object cannot be restored on a Bambu printer")
            }
            if command.has("C") {
                throw CommandError("M486 C: the current object is not known; skip one by id with M486 P<id>")
            }
            if command.has("P") {
                try skipObject(command, &context)
                return
            }
            if command.has("T") || command.has("S") || command.has("A") { return }
            for line in ObjectList.lines(job: context.sd.job, printer: context.printer) {
                context.reply(.comment(line))
            }
        }
    ]
}

/// `M486 P<id>`: checks the id against the running job, then publishes `skip_objects`.
private func skipObject(_ command: GCodeCommand, _ context: inout CommandContext) throws {
    guard let id = try command.int("P", in: 0...Int(Int32.max)) else {
        throw CommandError("M486 P: give the id of an object (M486 lists them)")
    }
    guard let state = context.printer.gcodeState, PrinterSession.activeStates.contains(state) else {
        throw CommandError("M486 P\(id): no print job is running on \(context.configuration.printerName)")
    }
    if case .known(let objects) = context.sd.job.objects, !objects.contains(where: { $0.id == id }) {
        let ids = objects.map { String($0.id) }.joined(separator: ", ")
        throw CommandError("M486 P\(id): the job has no object \(id) (its objects: \(ids))")
    }
    if ObjectList.skipped(job: context.sd.job, printer: context.printer).contains(id) {
        throw CommandError("M486 P\(id): object \(id) is already skipped")
    }
    try context.ensurePrinterAccepts()
    context.send(.skipObjects([id]))
}

/// The text of `M486` without parameters.
///
/// Exists so the listing is built in one place from the job's objects and the printer's `s_obj`.
enum ObjectList {
    /// Ids skipped so far: the printer's `s_obj`, plus objects the slicer already marked skipped.
    static func skipped(job: PrintJob, printer: PrinterState) -> [Int] {
        var ids = printer.skippedObjects
        if case .known(let objects) = job.objects {
            for object in objects where object.skipped && !ids.contains(object.id) { ids.append(object.id) }
        }
        return ids
    }

    static func lines(job: PrintJob, printer: PrinterState) -> [String] {
        guard let state = printer.gcodeState, PrinterSession.activeStates.contains(state) else {
            return ["no print job is running"]
        }
        let skipped = skipped(job: job, printer: printer)
        let file = job.entry.map { $0.file.displayName } ?? printer.subtaskName ?? "the job"
        switch job.objects {
        case .known(let objects):
            var lines = ["objects of \(file): \(objects.count), \(skipped.count) skipped"]
            for object in objects {
                let name = object.name.isEmpty ? "(no name)" : object.name
                lines.append("object \(object.id): \(name)\(skipped.contains(object.id) ? " (skipped)" : "")")
            }
            return lines
        case .loading:
            return ["object names of \(file) are being read from the printer", skippedLine(skipped)]
        case .unknown(let reason):
            return ["object names unknown: \(reason)", skippedLine(skipped)]
        }
    }

    private static func skippedLine(_ ids: [Int]) -> String {
        ids.isEmpty ? "skipped objects: none" : "skipped objects: " + ids.map(String.init).joined(separator: ", ")
    }
}
