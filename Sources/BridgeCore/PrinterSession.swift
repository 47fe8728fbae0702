// SPDX-License-Identifier: AGPL-3.0-or-later
// The translator for one printer: host lines and printer reports in, effects out.

package import BambuModel
package import GCode

/// The pure state machine behind one `/dev/bambu/<name>` port.
///
/// Exists so that everything the bridge decides (framing, dispatch, acks, waits, autoreports)
/// can be tested without a pty or a network: events go in with the time, effects come out.
package struct PrinterSession: Sendable {
    /// Lines held while a command waits; a well-behaved host never has more than a few in flight.
    package static let queueLimit = 64
    /// Reports larger than this are dropped unread (a full X1C report with four AMS units is ~15 KB).
    package static let reportSizeLimit = 1 << 20
    /// Marlin prints a temperature line every second while it waits for a heater.
    package static let waitReportInterval: Duration = .seconds(1)

    package let configuration: SessionConfiguration
    package let table: CommandTable
    /// The merged state of the printer's reports.
    package private(set) var printer = PrinterState()
    /// The connection state as users see it.
    package private(set) var linkState: LinkState = .pending
    /// Whether the MQTT link is up.
    package var isLinkUp: Bool { linkState == .connected }
    /// Whether the printer refuses unsigned commands (not in LAN-only + Developer Mode).
    package private(set) var requiresSignedCommands = false
    /// Per-host settings (autoreport interval…).
    package private(set) var host = HostSettings()

    private let capabilities: [(name: String, enabled: Bool)]
    private var assembler = LineAssembler()
    private var framer = LineFramer()
    private var nextAutoreport: Duration?
    var waiting: PendingWait?
    var queue: [QueuedItem] = []
    private var nextSequenceID = 1
    var hostNeedsLinkState = false
    private var verificationFailed = false
    /// The emulated SD card, its catalog and job.
    package internal(set) var sd = SDState()
    private var nextSDReport: Duration?
    var uploads: [Int: String] = [:]
    var uploadProgress: [Int: Int] = [:]
    var knownHMS: [HMSEntry] = []
    /// Tells a host-streamed print from manual moves.
    var streamGuard = StreamGuard()
    /// The vendor's HMS and print-error texts, when the runtime could load them.
    package private(set) var hmsTexts: HMSTextTable?
    /// Whether a host has the port open.
    package private(set) var hostAttached = false
    var hostIsActive = false

    /// A command holding its `ok` (M109 and friends).
    struct PendingWait: Sendable {
        var code: CommandCode
        var condition: WaitCondition
        var deadline: Duration
        var nextReport: Duration
    }

    /// A line received while a command waits.
    enum QueuedItem: Sendable {
        case command(GCodeCommand)
        case replies([HostReply])
    }

    package init(configuration: SessionConfiguration, table: CommandTable = .standard) {
        self.configuration = configuration
        self.table = table
        let chamber = configuration.model.capabilities.chamberSensor || configuration.externalChamber
        self.capabilities = table.firmwareCapabilities.map {
            $0.name == "CHAMBER_TEMPERATURE" ? ($0.name, chamber) : $0
        }
    }

    /// The next time the session needs a `.tick`, if any.
    package var nextDeadline: Duration? {
        var deadlines: [Duration] = []
        if let waiting {
            deadlines += [waiting.nextReport, waiting.deadline]
        } else if let nextAutoreport {
            deadlines.append(nextAutoreport)
        }
        if let nextSDReport { deadlines.append(nextSDReport) }
        if let due = sd.pauseDueAt { deadlines.append(due) }
        if case .startPending(let deadline, _) = sd.job.phase { deadlines.append(deadline) }
        return deadlines.min()
    }

    /// Lends the printer state a parser cache for the next reports, or takes it back (a swap; see
    /// `PrinterState.exchangeParseCache(_:)`).
    package mutating func exchangeParseCache(_ cache: inout JSONParseCache) {
        printer.exchangeParseCache(&cache)
    }

    /// Handles one event at monotonic time `now` and returns what to do, in order.
    package mutating func handle(_ event: SessionEvent, at now: Duration) -> [SessionEffect] {
        var output = Output()
        switch event {
        case .hostBytes(let bytes):
            hostAttached = true
            for line in assembler.push(bytes) { receive(line, at: now, into: &output) }
            if !hostIsActive, output.effects.contains(where: { if case .write = $0 { true } else { false } }) {
                // The host talked and got its first reply: now it can take notices (serial-host.md §5.3).
                hostIsActive = true
                if hostNeedsLinkState {
                    hostNeedsLinkState = false
                    if linkState != .connected { output.write([.action("notification \(linkNotice)")]) }
                    if requiresSignedCommands { output.write([.action("notification \(signedCommandsNotice)")]) }
                }
            }
        case .hostAttached:
            resetHost(into: &output)
            hostNeedsLinkState = true
            hostAttached = true
        case .hostDetached:
            resetHost(into: &output)
            hostAttached = false
        case .report(let bytes):
            receiveReport(bytes, at: now, into: &output)
        case .linkConnecting:
            if linkState == .pending { transition(to: .connecting, into: &output) }
        case .linkUp:
            transition(to: .connected, into: &output)
            publish(.getVersion, into: &output)
            publish(.pushAll, into: &output)
        case .linkDown(let reason, let permanent):
            transition(to: permanent ? .error(reason: reason) : .reconnecting(reason: reason), into: &output)
        case .tick:
            tick(at: now, into: &output)
        case .storageListed(let files):
            let catalog = SDCatalog(files: files)
            let changed = catalog.entries != sd.catalog.entries
            sd.catalog = catalog
            if changed { output.write([.action("sd_updated")]) }
            findAdoptedJobFile(into: &output)
        case .storageListFailed(let reason):
            output.log(.warning, "cannot list the printer's storage", ["printer.name": configuration.printerName, "error": reason])
        case .storageFinished(let operation, let error):
            storageFinished(operation, error: error, at: now, into: &output)
        case .storageFolderListed(let operation, let entries):
            listFolder(operation, entries, into: &output)
        case .snapshotFinished(let operation, let outcome):
            snapshotFinished(operation, outcome: outcome, at: now, into: &output)
        case .storageProgress(let operation, let percent):
            if let path = uploads[operation], percent / 10 > (uploadProgress[operation] ?? -1) / 10 {
                uploadProgress[operation] = percent
                output.write([.comment("upload \(path) \(percent)%")])
            }
        case .hmsTexts(let table):
            hmsTexts = table
        case .sliceInfoRead(let path, let bytes, let error):
            sliceInfoRead(path: path, bytes: bytes, error: error)
        }
        if hostIsActive, !sd.job.announced, sd.job.entry != nil,
            sd.job.phase == .running || sd.job.phase == .paused
        {
            announceAdoptedJob(into: &output)
        }
        return output.effects
    }

    // MARK: - Host input

    private mutating func receive(_ line: LineAssembler.Line, at now: Duration, into output: inout Output) {
        switch line {
        case .overlong(let length):
            deliver(
                [.echo("line of \(length) bytes is longer than \(assembler.limit) bytes; ignored"), .ok()],
                into: &output)
        case .text(let bytes):
            switch framer.frame(bytes) {
            case .empty:
                break
            case .duplicate:
                deliver([.ok()], into: &output)
            case .rejected(let lines), .ignored(let lines):
                output.log(.notice, "host line rejected", ["printer.name": configuration.printerName])
                deliver(lines, into: &output)
            case .command(let text):
                guard let command = GCodeCommand(text) else { return }
                if var upload = sd.writing, command.code != .m(29) {
                    // Between M28 and M29 lines are stored, not run (Marlin's SD write mode).
                    let bytes = Array((text + "\n").utf8)
                    upload.bytes += bytes.count
                    sd.writing = upload
                    output.effects.append(.storage(.appendSpool(operation: upload.operation, bytes: bytes)))
                    deliver([.ok()], into: &output)
                    return
                }
                if let spec = table[command.code], spec.isEmergency {
                    runEmergency(spec, command, at: now, into: &output)
                } else if waiting != nil {
                    if queue.count >= Self.queueLimit {
                        output.write([.echo("command queue full; \(command.code) dropped"), .ok()])
                    } else {
                        queue.append(.command(command))
                    }
                } else {
                    execute(command, at: now, into: &output)
                }
            }
        }
    }

    /// Writes replies now, or after the waiting command when one holds its `ok`.
    private mutating func deliver(_ replies: [HostReply], into output: inout Output) {
        if waiting != nil, queue.count < Self.queueLimit {
            queue.append(.replies(replies))
        } else {
            output.write(replies)
        }
    }

    // MARK: - Dispatch

    private mutating func execute(_ command: GCodeCommand, at now: Duration, into output: inout Output) {
        guard let spec = table[command.code] else {
            handleUnknown(command, at: now, into: &output)
            return
        }
        if spec.requires == .printerOnline, let refusal = controlRefusal(for: command.code, allowLocked: spec.worksWithoutDeveloperMode) {
            output.write([.echo(refusal), .ok()])
            return
        }
        var context = makeContext(at: now, for: spec)
        do {
            try spec.handler(command, &context)
        } catch let error as CommandError {
            output.write([.echo(error.message), .ok()])
            return
        } catch {
            output.log(.error, "command handler failed", ["gcode.code": "\(command.code)", "error": "\(error)"])
            output.write([.echo("\(command.code) failed: internal error"), .ok()])
            return
        }
        apply(context, for: command, at: now, into: &output)
    }

    private mutating func runEmergency(
        _ spec: CommandSpec, _ command: GCodeCommand, at now: Duration, into output: inout Output
    ) {
        if let pending = waiting {
            waiting = nil
            output.write([.echo("\(pending.code) wait cancelled by \(command.code)"), .ok()])
        }
        var context = makeContext(at: now, for: spec)
        do {
            try spec.handler(command, &context)
        } catch {
            output.write([.echo("\(error)"), .ok()])
            drainQueue(at: now, into: &output)
            return
        }
        apply(context, for: command, at: now, into: &output)
        drainQueue(at: now, into: &output)
    }

    private func makeContext(at now: Duration, for spec: CommandSpec) -> CommandContext {
        var context = CommandContext(
            printer: printer, model: configuration.model, configuration: configuration,
            firmwareCapabilities: capabilities, now: now, host: host, isLinkUp: isLinkUp,
            controlRefusal: controlRefusal(for: spec.code, allowLocked: spec.worksWithoutDeveloperMode), sd: sd,
            hmsTexts: hmsTexts
        )
        context.linkState = linkState
        context.commands = table.specs
        return context
    }

    /// Carries out what a handler recorded: host settings, requests, replies and the ack.
    private mutating func apply(
        _ context: CommandContext, for command: GCodeCommand, at now: Duration, into output: inout Output
    ) {
        if context.host.temperatureInterval != host.temperatureInterval {
            nextAutoreport = context.host.temperatureInterval.map { now + $0 }
        }
        host = context.host
        let previousSDInterval = sd.statusInterval
        sd = context.sd
        if sd.statusInterval != previousSDInterval { nextSDReport = sd.statusInterval.map { now + $0 } }
        for request in context.requests {
            let sequenceID = publish(request, into: &output)
            switch request {
            case .projectFile(let file):
                sd.job.phase = .startPending(deadline: now + startTimeout, sequenceID: sequenceID)
                requestObjects(path: sd.job.entry?.file.path ?? "/" + file.file, plate: file.plate, into: &output)
            case .gcodeFile:
                sd.job.phase = .startPending(deadline: now + startTimeout, sequenceID: sequenceID)
                sd.job.objects = .unknown(reason: "a plain G-code job has no object list")
            default: break
            }
        }
        for command in context.storageCommands {
            output.effects.append(.storage(command))
            if case .finishSpool(let operation, let remotePath) = command { uploads[operation] = remotePath }
        }
        for command in context.cameraCommands { output.effects.append(.camera(command)) }
        switch context.ack {
        case .ok(let extra):
            output.write(context.replies + [.ok(extra)])
        case .wait(let condition, let timeout):
            if !context.replies.isEmpty { output.write(context.replies) }
            if isSatisfied(condition) {
                output.write([.ok()])
            } else {
                waiting = PendingWait(
                    code: command.code, condition: condition, deadline: now + timeout,
                    nextReport: now + Self.waitReportInterval)
            }
        }
    }

    private mutating func handleUnknown(_ command: GCodeCommand, at now: Duration, into output: inout Output) {
        if case .g(let number) = command.code, (0...3).contains(number), streamGuard.refuses(at: now) {
            refuseStreamedMove(command, into: &output)
            return
        }
        switch command.code {
        case .t(let number):
            output.write([.echo("T\(number) Invalid extruder"), .ok()])
        case .extended:
            output.write([.echo("Unknown command: \"\(command.text)\""), .ok()])
        case .g, .m:
            if configuration.unknownCodePolicy == .reject || Self.neverForwarded.contains(command.code) {
                output.write([.echo("Unknown command: \"\(command.text)\""), .ok()])
            } else if let refusal = controlRefusal(for: command.code, allowLocked: false) {
                output.write([.echo(refusal), .ok()])
            } else {
                publish(.gcodeLine(command.text), into: &output)
                output.write([.ok()])
            }
        }
    }

    /// Answers a move of a host-streamed print without sending it (serial-host.md §9.12): the
    /// first one refused also tells the host why and cancels its print.
    private mutating func refuseStreamedMove(_ command: GCodeCommand, into output: inout Output) {
        if streamGuard.shouldAnnounce {
            streamGuard.shouldAnnounce = false
            output.log(.warning, "refused a print streamed from the host", ["printer.name": configuration.printerName])
            output.write([
                .action("notification \(configuration.printerName): printing from the host's own storage is not supported; upload the file to the printer (SD card) and print it from there"),
                .action("cancel"), .ok(),
            ])
        } else {
            output.write([.ok()])
        }
    }

    /// Why a command that needs the printer cannot be sent now, or nil when it can.
    private func controlRefusal(for code: CommandCode, allowLocked: Bool) -> String? {
        guard isLinkUp else {
            return "\(configuration.printerName) is not connected to the printer (\(linkState.name)); \(code) not sent"
        }
        if requiresSignedCommands, !allowLocked {
            return "\(configuration.printerName) refuses unsigned commands: enable LAN-only mode and Developer Mode on the printer; \(code) not sent"
        }
        return nil
    }

    // MARK: - Link state

    private mutating func transition(to state: LinkState, into output: inout Output) {
        guard state != linkState else { return }
        linkState = state
        var metadata = ["printer.name": configuration.printerName, "link.state": state.name]
        if let reason = state.reason { metadata["link.reason"] = reason }
        let level: SessionLog.Level =
            switch state {
            case .error: .error
            case .reconnecting: .warning
            default: .info
            }
        output.log(level, "printer link state changed", metadata)
        output.write([.action("notification \(linkNotice)")])
    }

    /// `<printer>: <state> (<reason>)`.
    private var linkNotice: String {
        let base = "\(configuration.printerName): \(linkState.name)"
        guard let reason = linkState.reason else { return base }
        return base + " (\(reason))"
    }

    private var signedCommandsNotice: String {
        "\(configuration.printerName): the printer requires signed commands, so it ignores control commands; "
            + "switch on LAN-only mode and Developer Mode on the printer's screen (Settings > Network)"
    }

    /// Host-side codes that mean nothing to a Bambu printer's G-code interpreter, or would hang it
    /// (M0/M1 wait for a button press), so they are never passed through.
    /// HMS raised when the printer rejects an unsigned command (bambu-lan.md §1.8).
    package static let verificationFailedHMS = "0500_0500_0001_0007"

    package static let neverForwarded: Set<CommandCode> = Set(
        [0, 1, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 524, 928].map { CommandCode.m($0) })

    // MARK: - Waits and time

    private func isSatisfied(_ condition: WaitCondition) -> Bool {
        func close(_ temperature: Temperature?, _ target: Double, _ bothWays: Bool) -> Bool {
            guard let temperature else { return false }
            return bothWays ? abs(temperature.current - target) <= 1 : temperature.current >= target - 1
        }
        switch condition {
        case .nozzle(let index, let target, let bothWays):
            let nozzles = printer.nozzleTemperatures
            return close(index < nozzles.count ? nozzles[index] : nil, target, bothWays)
        case .bed(let target, let bothWays):
            return close(printer.bedTemperature, target, bothWays)
        case .chamber(let target, let bothWays):
            return close(printer.chamberTemperature, target, bothWays)
        case .storage, .snapshot:
            return false
        }
    }

    private mutating func tick(at now: Duration, into output: inout Output) {
        tickJob(at: now, into: &output)
        if let due = nextSDReport, let interval = sd.statusInterval, now >= due {
            output.write([.line(sd.job.statusLine(printer: printer))])
            let next = due + interval
            nextSDReport = next > now ? next : now + interval
        }
        if var pending = waiting {
            if isSatisfied(pending.condition) {
                finishWait(at: now, into: &output)
            } else if now >= pending.deadline {
                waiting = nil
                output.write([.echo(Self.timeoutMessage(pending)), .ok()])
                drainQueue(at: now, into: &output)
            } else if now >= pending.nextReport {
                output.write([.line(temperatureLine)])
                while pending.nextReport <= now { pending.nextReport += Self.waitReportInterval }
                waiting = pending
            }
            return
        }
        if let due = nextAutoreport, let interval = host.temperatureInterval, now >= due {
            output.write([.line(temperatureLine)])
            let next = due + interval
            nextAutoreport = next > now ? next : now + interval
        }
    }

    private mutating func finishWait(at now: Duration, into output: inout Output) {
        waiting = nil
        output.write([.ok()])
        drainQueue(at: now, into: &output)
    }

    /// Runs queued lines in order until one starts another wait.
    mutating func drainQueue(at now: Duration, into output: inout Output) {
        while waiting == nil, !queue.isEmpty {
            switch queue.removeFirst() {
            case .replies(let lines): output.write(lines)
            case .command(let command): execute(command, at: now, into: &output)
            }
        }
    }

    private var temperatureLine: String {
        TemperatureReport.line(
            for: printer, model: configuration.model, externalChamber: configuration.externalChamber)
    }

    // MARK: - Printer side

    private mutating func receiveReport(_ bytes: [UInt8], at now: Duration, into output: inout Output) {
        guard bytes.count <= Self.reportSizeLimit else {
            // A real report is a few kilobytes; anything this large would only bloat the merged state.
            output.log(
                .warning, "printer report too large; ignored",
                ["printer.name": configuration.printerName, "bytes": "\(bytes.count)"])
            return
        }
        let previousState = printer.gcodeState
        let kinds: [ReportKind]
        do {
            kinds = try printer.ingest(bytes)  // parse + merge; malformed input changes nothing
        } catch {
            output.log(
                .warning, "printer report is not valid JSON",
                ["printer.name": configuration.printerName, "error": error.description, "bytes": "\(bytes.count)"])
            return
        }
        observeJob(previousState: previousState, kinds: kinds, at: now, into: &output)
        observeHMS(into: &output)
        if kinds.allSatisfy({ $0 == .ignored }) {
            output.log(.debug, "printer report ignored", ["printer.name": configuration.printerName])
        }
        for case .acknowledgement(let acknowledgement) in kinds {
            if let reason = acknowledgement.reason?.lowercased(), reason.contains("verify failed") {
                verificationFailed = true
            } else if acknowledgement.succeeded, acknowledgement.module == "print" {
                verificationFailed = false
            }
        }
        let locked =
            printer.signatureRequired || verificationFailed
            || printer.hms.contains { $0.displayCode == Self.verificationFailedHMS }
        if locked != requiresSignedCommands {
            requiresSignedCommands = locked
            if locked {
                output.log(.error, "printer requires signed commands", ["printer.name": configuration.printerName])
                output.write([.action("notification \(signedCommandsNotice)")])
            } else {
                output.log(.info, "printer accepts commands again", ["printer.name": configuration.printerName])
                output.write([.action("notification \(configuration.printerName): the printer accepts commands again")])
            }
        }
        if let pending = waiting, isSatisfied(pending.condition) { finishWait(at: now, into: &output) }
    }

    @discardableResult
    mutating func publish(_ request: BambuRequest, into output: inout Output) -> Int {
        let sequenceID = nextSequenceID
        output.effects.append(.publish(OutgoingRequest(request: request, sequenceID: sequenceID)))
        // Own range 1…19999: the vendor's slicer reserves 20000–29999 (bambu-lan.md §1.3).
        nextSequenceID = nextSequenceID >= 19_999 ? 1 : nextSequenceID + 1
        return sequenceID
    }

    /// A host came or went: per-host state starts clean; printer state is kept (serial-host.md §1.3).
    private mutating func resetHost(into output: inout Output) {
        assembler.reset()
        framer.reset()
        host = HostSettings()
        nextAutoreport = nil
        waiting = nil
        queue.removeAll()
        hostIsActive = false
        hostNeedsLinkState = false
        sd.statusInterval = nil
        nextSDReport = nil
        sd.job.announced = false
        if let upload = sd.writing {
            output.effects.append(.storage(.discardSpool(operation: upload.operation)))
            sd.writing = nil
        }
    }
}

/// Collects effects, joining consecutive writes into one so a reply block is one write.
struct Output {
    var effects: [SessionEffect] = []

    mutating func write(_ replies: [HostReply]) {
        guard !replies.isEmpty else { return }
        if case .write(let previous)? = effects.last {
            effects[effects.count - 1] = .write(previous + replies)
        } else {
            effects.append(.write(replies))
        }
    }

    mutating func log(_ level: SessionLog.Level, _ message: String, _ metadata: [String: String]) {
        effects.append(.log(SessionLog(level, message, metadata)))
    }
}
