// SPDX-License-Identifier: AGPL-3.0-or-later
// The session's SD job tracking: starts, printer-side events, storage results, HMS notices.

import BambuModel
import GCode

extension PrinterSession {
    /// States in which the printer runs a job.
    static let activeStates: Set<String> = ["PREPARE", "RUNNING", "PAUSE", "SLICING", "INIT"]

    /// Follows the printer's `gcode_state` (serial-host.md §9.8, §9.9, §10.2).
    mutating func observeJob(previousState: String?, kinds: [ReportKind], at now: Duration, into output: inout Output)
    {
        var job = sd.job
        if case .startPending(_, let sequenceID) = job.phase {
            for case .acknowledgement(let ack) in kinds where Int(ack.sequenceID ?? "") == sequenceID && !ack.succeeded {
                let reason = ack.reason.flatMap { $0.isEmpty ? nil : $0 } ?? ack.result ?? "refused"
                output.write([.action("notification \(configuration.printerName): Print was not accepted: \(reason)")])
                output.log(.warning, "print start refused", ["printer.name": configuration.printerName, "reason": reason])
                job.phase = .ended
            }
        }
        guard let state = printer.gcodeState else {
            sd.job = job
            return
        }
        let active = Self.activeStates.contains(state)
        switch job.phase {
        case .startPending:
            if state == "PREPARE" || state == "RUNNING" || state == "SLICING" {
                if state != previousState || printer.subtaskName == job.entry?.file.jobName { job.phase = .running }
            } else if state == "PAUSE", previousState != "PAUSE" {
                job.phase = .paused
            }
        case .running, .paused:
            if state == "FINISH" {
                let size = max(1, job.entry?.file.size ?? 1)
                output.write([.line("SD printing byte \(size)/\(size)"), .line("Done printing file")])
                job.phase = .idle
                job.position = 0
            } else if state == "FAILED" || state == "IDLE" {
                let reason = printer.printError != 0 ? describe(PrintErrorCode(rawValue: printer.printError)) : state
                output.write([.action("notification \(configuration.printerName): Print stopped on printer: \(reason)")])
                job.phase = .ended
            } else if state == "PAUSE", job.phase == .running {
                job.phase = .paused
                if !recently(job.hostPauseRequestedAt, now) {
                    output.write([
                        .action("paused"),
                        .action("notification \(configuration.printerName): paused on the printer\(pauseReason)"),
                    ])
                }
            } else if state == "RUNNING" || state == "PREPARE", job.phase == .paused, previousState == "PAUSE" {
                job.phase = .running
                if !recently(job.hostResumeRequestedAt, now) { output.write([.action("resumed")]) }
            }
        case .ended:
            if !active { job.phase = .idle }
        case .idle:
            if active, previousState.map({ !Self.activeStates.contains($0) }) ?? true {
                job = adopt(state: state)
                sd.job = job
                if let path = job.entry?.file.path, sd.catalog.entries.contains(where: { $0.file.path == path }) {
                    requestObjects(path: path, plate: Self.plate(ofGcodeFile: printer.gcodeFile), into: &output)
                } else if !sd.catalog.isLoaded {
                    // Nothing listed yet: list now, and look for the job's file when the listing arrives.
                    sd.job.objects = .unknown(reason: "waiting for the printer's storage listing")
                    sd.job.awaitsListing = true
                    output.effects.append(.storage(.refreshList))
                } else {
                    sd.job.objects = .unknown(reason: "the job's file is not in the printer's storage listing")
                }
                if hostIsActive { announceAdoptedJob(into: &output) }
                return
            }
        }
        sd.job = job
    }

    private func recently(_ time: Duration?, _ now: Duration) -> Bool {
        guard let time else { return false }
        return now - time < .seconds(30)
    }

    /// Why the printer paused, from its stage (bambu-lan.md §2.16).
    private var pauseReason: String {
        guard let stage = printer.stage, let name = StageNames.name(stage) else { return "" }
        return " (\(name))"
    }

    /// A job the printer started on its own (screen, slicer): take it over as an SD print.
    private mutating func adopt(state: String) -> PrintJob {
        var job = PrintJob()
        let entry =
            sd.catalog.entry(forJob: printer.gcodeFile, subtask: printer.subtaskName)
            ?? {
                let name = printer.subtaskName.flatMap { $0.isEmpty ? nil : $0 } ?? "printer job"
                let path = "/" + name + ".3mf"
                return SDEntry(alias: SDCatalog.alias(for: path), file: StoredFile(path: path, size: 1_000_000))
            }()
        job.entry = entry
        job.phase = state == "PAUSE" ? .paused : .running
        sd.selected = entry
        return job
    }

    /// The largest 3MF whose object list is fetched: the whole file is downloaded over the printer's
    /// FTPS (as ha-bambulab does for its job previews), which holds up other storage work meanwhile.
    static let objectListFileLimit = 64 * 1024 * 1024

    /// Asks the runtime for the object list of the job's 3MF (bambu-lan.md §2.18).
    mutating func requestObjects(path: String, plate: Int?, into output: inout Output) {
        sd.job.plate = plate
        sd.job.objectsPath = path
        guard path.lowercased().hasSuffix(".3mf") else {
            sd.job.objects = .unknown(reason: "a plain G-code job has no object list")
            return
        }
        if let size = sd.catalog.entries.first(where: { $0.file.path == path })?.file.size, size > Self.objectListFileLimit {
            sd.job.objects = .unknown(
                reason: "\(path) is \(size / (1024 * 1024)) MB; object lists are read from files up to \(Self.objectListFileLimit / (1024 * 1024)) MB")
            return
        }
        sd.job.objects = .loading
        output.effects.append(.storage(.readSliceInfo(path: path)))
    }

    /// The first listing arrived while an adopted job waited for it: find the job's file, read its objects.
    mutating func findAdoptedJobFile(into output: inout Output) {
        guard sd.job.awaitsListing else { return }
        sd.job.awaitsListing = false
        guard sd.job.isActive, let found = sd.catalog.entry(forJob: printer.gcodeFile, subtask: printer.subtaskName) else {
            sd.job.objects = .unknown(reason: "the job's file is not in the printer's storage listing")
            return
        }
        if !sd.job.announced, sd.job.entry?.file.path != found.file.path {
            // The host was not told about the guessed file yet: use the real one.
            sd.job.entry = found
            sd.selected = found
        }
        requestObjects(path: found.file.path, plate: Self.plate(ofGcodeFile: printer.gcodeFile), into: &output)
    }

    /// The plate number in a `gcode_file` such as `Metadata/plate_2.gcode`, if any.
    static func plate(ofGcodeFile file: String?) -> Int? {
        guard let file, let range = file.ranges(of: "plate_").last else { return nil }
        let digits = file[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// The object list arrived (or could not be read) for the job's file.
    mutating func sliceInfoRead(path: String, bytes: [UInt8]?, error: String?) {
        guard sd.job.objectsPath == path, sd.job.objects == .loading else { return }
        guard let bytes else {
            sd.job.objects = .unknown(reason: "cannot read \(path): \(error ?? "unknown error")")
            return
        }
        let info = SliceInfo(parsing: bytes)
        if let plate = info.plate(sd.job.plate) {
            sd.job.objects = .known(plate.objects)
        } else {
            let which = sd.job.plate.map { "plate \($0)" } ?? "the plate"
            sd.job.objects = .unknown(reason: "\(path) lists no objects for \(which)")
        }
    }

    /// Tells the host about an adopted job (serial-host.md §9.8): once per host session.
    mutating func announceAdoptedJob(into output: inout Output) {
        guard let entry = sd.job.entry, !sd.job.announced else { return }
        sd.job.announced = true
        let size = max(1, entry.file.size)
        let percent = max(0, min(99, printer.progressPercent ?? 0))
        sd.job.position = max(1, max(sd.job.position, size * percent / 100))
        output.write([
            .line("File opened: /\(entry.alias) Size: \(size)"), .line("File selected"),
            .line("SD printing byte \(sd.job.position)/\(size)"),
        ])
        if sd.job.phase == .paused { output.write([.action("paused")]) }
    }

    /// Time-driven job work: the delayed pause and the start timeout.
    mutating func tickJob(at now: Duration, into output: inout Output) {
        if let due = sd.pauseDueAt, now >= due {
            sd.pauseDueAt = nil
            if sd.job.phase == .paused, isLinkUp { publish(.pause, into: &output) }
        }
        if case .startPending(let deadline, _) = sd.job.phase, now >= deadline {
            output.write([
                .action(
                    "notification \(configuration.printerName): Print was not accepted: the printer did not start the job within \(Int(startTimeout.components.seconds)) s"
                )
            ])
            sd.job.phase = .ended
        }
    }

    /// A storage operation ended.
    mutating func storageFinished(_ operation: Int, error: String?, at now: Duration, into output: inout Output) {
        if let pending = waiting, case .storage(let waitingFor, let success, let failure) = pending.condition,
            waitingFor == operation
        {
            waiting = nil
            if let error {
                output.write(failure + [.ok(), .action("notification \(configuration.printerName): \(error)")])
            } else {
                output.write(success + [.ok()])
            }
            output.effects.append(.storage(.refreshList))
            drainQueue(at: now, into: &output)
            return
        }
        if let path = uploads.removeValue(forKey: operation) {
            uploadProgress[operation] = nil
            if let error {
                output.write([.action("notification \(configuration.printerName): upload of \(path) failed: \(error)")])
            } else {
                output.write([.action("notification \(configuration.printerName): uploaded \(path)")])
            }
            output.effects.append(.storage(.refreshList))
        }
    }

    /// Writes a folder listing for the file request waiting on it (M8170): folders first, then files.
    mutating func listFolder(_ operation: Int, _ entries: [FolderEntry], into output: inout Output) {
        guard let pending = waiting, case .storage(let waitingFor, _, _) = pending.condition, waitingFor == operation
        else { return }
        let sorted = entries.sorted {
            $0.isDirectory != $1.isDirectory ? $0.isDirectory : $0.name.lowercased() < $1.name.lowercased()
        }
        let lines = sorted.map { entry in
            HostReply.comment(entry.isDirectory ? "\(entry.name)/" : "\(entry.name) \(entry.size)")
        }
        output.write(lines.isEmpty ? [.comment("(empty folder)")] : lines)
    }

    /// New and cleared HMS entries, one notice each (bambu-lan.md §4), up to `hmsNoticesPerReport`
    /// of each in one report; one more notice counts the rest, which M8103 lists.
    mutating func observeHMS(into output: inout Output) {
        let current = printer.hms
        guard current != knownHMS else { return }
        // Sets: a report may carry thousands of entries (a search per entry grew with the square).
        let known = Set(knownHMS)
        let reported = Set(current)
        let raised = current.filter { !known.contains($0) }
        let cleared = knownHMS.filter { !reported.contains($0) }
        let name = configuration.printerName
        for entry in raised.prefix(Self.hmsNoticesPerReport) {
            output.write([
                .action("notification \(name): HMS \(entry.displayCode) (\(entry.moduleName), \(entry.severity)): " + explain(entry))
            ])
            output.log(
                .warning, "printer HMS", ["printer.name": name, "hms.code": entry.displayCode, "hms.text": explain(entry)])
        }
        if raised.count > Self.hmsNoticesPerReport {
            let more = raised.count - Self.hmsNoticesPerReport
            output.write([.action("notification \(name): \(more) more new HMS entries (M8103 lists them)")])
            output.log(.warning, "printer HMS entries not noticed one by one", ["printer.name": name, "hms.count": "\(more)"])
        }
        for entry in cleared.prefix(Self.hmsNoticesPerReport) {
            output.write([.action("notification \(name): HMS \(entry.displayCode) cleared")])
        }
        if cleared.count > Self.hmsNoticesPerReport {
            output.write([.action("notification \(name): \(cleared.count - Self.hmsNoticesPerReport) more HMS entries cleared")])
        }
        knownHMS = current
    }

    /// HMS notices of each kind (new, cleared) one report raises one by one. Printers report a few
    /// entries at a time; a report listing thousands (broken or hostile) must not flood the host.
    static let hmsNoticesPerReport = 10

    /// The vendor's text for an HMS entry, else a pointer to the wiki page (bambu-lan.md §4.4).
    func explain(_ entry: HMSEntry) -> String {
        switch hmsTexts?.lookup(entry) ?? .unknown {
        case .text(let text): text
        case .internal: HMSTextTable.Lookup.internal.phrase
        case .unknown: "see " + entry.wikiLink(for: configuration.model)
        }
    }

    /// `0300_400C`, with the vendor's text when known: `0300_400C: The task was canceled.`.
    func describe(_ error: PrintErrorCode) -> String {
        guard let texts = hmsTexts else { return error.displayCode }
        switch texts.lookup(error) {
        case .text(let text): return error.displayCode + ": " + text
        case .internal: return error.displayCode + ": " + HMSTextTable.Lookup.internal.phrase
        case .unknown: return error.displayCode
        }
    }
}

/// Stage names for pause reasons: the pausing stages of `PrinterStage` (bambu-lan.md §2.16), without "paused: ".
enum StageNames {
    static let pausing: Set<Int> = [5, 6, 16, 17, 20, 21, 23, 26, 27, 28, 30, 32, 33, 34, 35]

    static func name(_ stage: Int) -> String? {
        guard pausing.contains(stage), let name = PrinterStage.name(stage) else { return nil }
        return name.hasPrefix("paused: ") ? String(name.dropFirst("paused: ".count)) : name
    }
}
