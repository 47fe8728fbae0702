// SPDX-License-Identifier: AGPL-3.0-or-later
// One entry of the command table: a code, its documentation and its pure handler.

package import BambuModel
package import GCode

/// A handler: reads the command and the context, records replies, requests and the ack.
package typealias CommandHandler = @Sendable (GCodeCommand, inout CommandContext) throws -> Void

/// What must hold before a command runs.
package enum Requirement: Sendable, Equatable {
    /// Runs whatever the printer's state (answers from cached state).
    case nothing
    /// Needs the MQTT link to the printer, because it publishes a request.
    case printerOnline
}

/// How the dispatcher acknowledges a command.
package enum Ack: Sendable, Equatable {
    /// `ok`, or `ok <extra>` (M105 puts its data on the `ok` line).
    case ok(String? = nil)
    /// Hold the `ok` until the condition holds, the timeout passes or `M108` cancels it.
    case wait(WaitCondition, timeout: Duration)
}

/// A printer state a waiting command (M109, M190, M191) holds its `ok` for.
package enum WaitCondition: Sendable, Equatable {
    /// Nozzle `index` within 1 °C of `target`; when `bothWays` is false, at or above `target - 1`.
    case nozzle(index: Int, target: Double, bothWays: Bool)
    case bed(target: Double, bothWays: Bool)
    case chamber(target: Double, bothWays: Bool)
    /// A storage operation; on success write `success`, on failure `failure` (then the reason as a notice).
    case storage(operation: Int, success: [HostReply], failure: [HostReply])
    /// A camera snapshot (`M8160`); the file's path or the failure is written when it ends.
    case snapshot(operation: Int)
}

/// One G/M/T code the bridge understands.
///
/// Exists so that adding a code is one entry in a family file: the help text, the `M115`
/// capability list and the man page are all derived from these values (design §3).
package struct CommandSpec: Sendable {
    package var code: CommandCode
    /// One line for help output and the man page.
    package var summary: String
    /// Parameter letter → meaning, in display order.
    package var parameters: [(letter: Character, meaning: String)]
    /// What is sent to the printer, for the man page ("gcode_line M104 S<t>", "none").
    package var translation: String
    package var requires: Requirement
    /// Handled at once even while another command waits (M108, M112, M410).
    package var isEmergency: Bool
    /// Still accepted by printers that require signed commands (the chamber light, bambu-lan.md §1.8).
    package var worksWithoutDeveloperMode: Bool
    /// Which printers the code applies to, for the man page ("all models", "models with an AMS", "H2D").
    package var models: String
    package var handler: CommandHandler

    package init(
        _ code: CommandCode, _ summary: String, parameters: [(letter: Character, meaning: String)] = [],
        translation: String, requires: Requirement = .nothing, isEmergency: Bool = false,
        worksWithoutDeveloperMode: Bool = false, models: String = "all models", handler: @escaping CommandHandler
    ) {
        self.code = code
        self.summary = summary
        self.parameters = parameters
        self.translation = translation
        self.requires = requires
        self.isEmergency = isEmergency
        self.worksWithoutDeveloperMode = worksWithoutDeveloperMode
        self.models = models
        self.handler = handler
    }
}

/// Per-host settings commands change (autoreport interval, active tool).
package struct HostSettings: Sendable, Equatable {
    /// `M155 S<n>`: temperature autoreport interval; nil when off.
    package var temperatureInterval: Duration?
    /// When `M112` last published a stop (hosts send it twice; publish once).
    package var emergencyStopSentAt: Duration?
    package init() {}
}

/// What a handler sees and records.
///
/// Exists to keep handlers pure: they read the cached printer state and the time they are given
/// and describe replies, requests and the ack; the session carries them out.
package struct CommandContext: Sendable {
    /// The last merged printer state (read-only).
    package let printer: PrinterState
    /// The printer's model.
    package let model: PrinterModel
    /// Session settings from the configuration.
    package let configuration: SessionConfiguration
    /// Capabilities advertised in `M115`, derived from the command table.
    package let firmwareCapabilities: [(name: String, enabled: Bool)]
    /// Monotonic time since the session started.
    package let now: Duration
    /// Whether the MQTT link is up.
    package let isLinkUp: Bool
    /// Why this command may not publish now (printer offline, or it requires signed commands); nil when it may.
    package let controlRefusal: String?
    /// Per-host settings the command may change.
    package var host: HostSettings
    /// How to acknowledge; `ok` unless the handler says otherwise.
    package var ack: Ack = .ok()
    /// Lines written before the `ok`.
    package private(set) var replies: [HostReply] = []
    /// Requests to publish, in order.
    package private(set) var requests: [BambuRequest] = []
    /// The emulated SD card and its job.
    package var sd: SDState
    /// Storage requests, in order.
    package private(set) var storageCommands: [StorageCommand] = []
    /// The link to the printer as users see it (`M8101` prints it).
    package internal(set) var linkState: LinkState = .pending
    /// Every spec of the session's command table, sorted by code (`M8100` lists them).
    package internal(set) var commands: [CommandSpec] = []
    /// Camera requests, in order.
    package private(set) var cameraCommands: [CameraCommand] = []
    /// The vendor's HMS texts, when loaded.
    package let hmsTexts: HMSTextTable?

    package init(
        printer: PrinterState, model: PrinterModel, configuration: SessionConfiguration,
        firmwareCapabilities: [(name: String, enabled: Bool)], now: Duration, host: HostSettings, isLinkUp: Bool,
        controlRefusal: String?, sd: SDState, hmsTexts: HMSTextTable? = nil
    ) {
        self.printer = printer
        self.model = model
        self.configuration = configuration
        self.firmwareCapabilities = firmwareCapabilities
        self.now = now
        self.host = host
        self.isLinkUp = isLinkUp
        self.controlRefusal = controlRefusal
        self.sd = sd
        self.hmsTexts = hmsTexts
    }

    /// Adds a storage request.
    package mutating func storage(_ command: StorageCommand) { storageCommands.append(command) }

    /// Adds a camera request.
    package mutating func camera(_ command: CameraCommand) { cameraCommands.append(command) }

    /// Throws the reason the printer cannot take a request now, for handlers whose report form
    /// works offline but whose set form publishes (M220, M355, T0/T1).
    package func ensurePrinterAccepts() throws(CommandError) {
        if let controlRefusal { throw CommandError(controlRefusal) }
    }

    /// Adds a line written before the `ok`.
    package mutating func reply(_ line: HostReply) { replies.append(line) }

    /// Adds a request to publish.
    package mutating func send(_ request: BambuRequest) { requests.append(request) }
}
