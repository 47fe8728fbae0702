// SPDX-License-Identifier: AGPL-3.0-or-later
// A summary of one printer session for `bambu-serial status` and the daemon's STATUS line.

package import BambuModel

/// What `bambu-serial status` shows for one printer.
///
/// Exists so the status command reads one small value per printer instead of the session's
/// internals: the supervisor keeps the latest one each session reports.
package struct SessionStatus: Sendable, Equatable {
    package var name: String
    package var model: PrinterModel
    package var linkState: LinkState
    package var gcodeState: String?
    package var progressPercent: Int?
    package var jobName: String?
    package var nozzles: [Temperature]
    package var bed: Temperature?
    package var chamber: Temperature?
    package var hmsCount: Int
    package var hostAttached: Bool
    package var requiresSignedCommands: Bool

    package init(
        name: String, model: PrinterModel, linkState: LinkState, gcodeState: String? = nil,
        progressPercent: Int? = nil, jobName: String? = nil, nozzles: [Temperature] = [], bed: Temperature? = nil,
        chamber: Temperature? = nil, hmsCount: Int = 0, hostAttached: Bool = false, requiresSignedCommands: Bool = false
    ) {
        self.name = name
        self.model = model
        self.linkState = linkState
        self.gcodeState = gcodeState
        self.progressPercent = progressPercent
        self.jobName = jobName
        self.nozzles = nozzles
        self.bed = bed
        self.chamber = chamber
        self.hmsCount = hmsCount
        self.hostAttached = hostAttached
        self.requiresSignedCommands = requiresSignedCommands
    }
}

extension PrinterSession {
    /// The session's status summary.
    package var status: SessionStatus {
        let active = printer.gcodeState.map { Self.activeStates.contains($0) } ?? false
        return SessionStatus(
            name: configuration.printerName, model: configuration.model, linkState: linkState,
            gcodeState: printer.gcodeState, progressPercent: active ? printer.progressPercent : nil,
            jobName: active ? (sd.job.entry?.file.displayName ?? printer.subtaskName) : nil,
            nozzles: printer.nozzleTemperatures, bed: printer.bedTemperature,
            chamber: configuration.model.capabilities.chamberSensor ? printer.chamberTemperature : nil,
            hmsCount: printer.hms.count, hostAttached: hostAttached, requiresSignedCommands: requiresSignedCommands)
    }
}
