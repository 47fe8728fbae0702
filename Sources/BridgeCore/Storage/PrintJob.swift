// SPDX-License-Identifier: AGPL-3.0-or-later
// The SD print job as hosts see it, kept in step with the printer's gcode_state.

package import BambuModel

/// Where the job stands from the host's point of view.
///
/// Exists to keep OctoPrint's SD state machine consistent with a printer that takes seconds to
/// minutes to confirm a start, pauses and stops on its own, and reports progress in percent
/// (serial-host.md §9.5–§9.9, §10, §15).
package struct PrintJob: Sendable, Equatable {
    package enum Phase: Sendable, Equatable {
        /// No job (or the last one finished).
        case idle
        /// We sent project_file; the printer has not shown PREPARE/RUNNING yet.
        case startPending(deadline: Duration, sequenceID: Int)
        /// The printer runs the job.
        case running
        /// The printer paused it.
        case paused
        /// A stop was requested or the job failed: report `Not SD printing` until the printer is idle.
        case ended
    }

    package var phase: Phase = .idle
    /// The file the job prints (selected with M23 or adopted from the printer).
    package var entry: SDEntry?
    /// Last reported byte position (never goes backwards).
    package var position = 0
    /// Whether this host session was told about the job (`File opened` for adopted jobs).
    package var announced = false
    /// When the host last asked to pause or resume, to tell its own requests from the printer's.
    package var hostPauseRequestedAt: Duration?
    package var hostResumeRequestedAt: Duration?
    /// The job's objects, for `M486` (read from the 3MF on the printer's storage).
    package var objects: JobObjects = .unknown(reason: "no job file was read")
    /// The plate the job prints, when known (picks the plate in `slice_info.config`).
    package var plate: Int?
    /// The 3MF the objects are read from (the job's file, found on the printer's storage).
    package var objectsPath: String?
    /// An adopted job waits for the first storage listing to find its file (and objects).
    package var awaitsListing = false

    package init() {}

    /// Whether a job is active or paused (M24 resumes, M25 pauses, M26 S0 stops).
    package var isActive: Bool {
        switch phase {
        case .startPending, .running, .paused: true
        case .idle, .ended: false
        }
    }

    /// The `M27` line (serial-host.md §9.6).
    package mutating func statusLine(printer: PrinterState) -> String {
        guard let entry else { return "Not SD printing" }
        let size = max(1, entry.file.size)
        switch phase {
        case .startPending:
            return "SD printing byte 0/\(size)"
        case .running:
            let percent = max(0, min(100, printer.progressPercent ?? 0))
            let computed = percent >= 100 ? size - 1 : size * percent / 100
            position = max(position, min(computed, size - 1))
            return "SD printing byte \(position)/\(size)"
        case .paused:
            // Frozen, never higher than before: OctoPrint counts `Not SD printing` while it is
            // pausing (three cancel the job) and takes a higher position as a new job (§9.8).
            return "SD printing byte \(position)/\(size)"
        case .idle, .ended:
            return "Not SD printing"
        }
    }
}

/// What the bridge knows about the objects of the running job.
///
/// Exists because object names come from the job's 3MF, read over FTPS after the job starts
/// (bambu-lan.md §2.18): until then, or when the file cannot be read, `M486` can only list ids.
package enum JobObjects: Sendable, Equatable {
    /// Not known, and why.
    case unknown(reason: String)
    /// The 3MF is being read.
    case loading
    /// The objects of the job's plate.
    case known([SliceInfo.Object])
}
