// SPDX-License-Identifier: AGPL-3.0-or-later
// What goes into a printer session and what comes out of it.

package import BambuModel
package import GCode

/// Something that happened to one printer slot.
///
/// Exists because the session is a pure state machine: the runtime turns pty reads, MQTT
/// messages and timer wake-ups into these values, each stamped with the time.
package enum SessionEvent: Sendable, Equatable {
    /// Bytes the host wrote to the pty.
    case hostBytes([UInt8])
    /// A host opened the port.
    case hostAttached
    /// The last host closed the port.
    case hostDetached
    /// One MQTT message from `device/<serial>/report`, as received.
    case report([UInt8])
    /// A connection attempt to the printer begins.
    case linkConnecting
    /// The MQTT link to the printer came up (connected and subscribed).
    case linkUp
    /// The MQTT link went down or could not be made; `permanent` when retrying cannot fix it
    /// (wrong access code, certificate mismatch, unknown host).
    case linkDown(reason: String, permanent: Bool)
    /// Time passed (the runtime wakes the session at `nextDeadline`).
    case tick
    /// The printer's storage listing (`/` and `/cache`).
    case storageListed([StoredFile])
    /// Listing the storage failed.
    case storageListFailed(reason: String)
    /// A storage operation ended; `error` is nil on success.
    case storageFinished(operation: Int, error: String?)
    /// An upload progressed.
    case storageProgress(operation: Int, percent: Int)
    /// The entries of a folder a file request listed; `.storageFinished` follows.
    case storageFolderListed(operation: Int, entries: [FolderEntry])
    /// A camera snapshot request (`CameraCommand.saveSnapshot`) ended.
    case snapshotFinished(operation: Int, outcome: SnapshotOutcome)
    /// The HMS text table was (re)loaded; nil when none could be read (codes are shown without text).
    case hmsTexts(HMSTextTable?)
    /// `Metadata/slice_info.config` of the 3MF at `path` was read (`bytes`), or could not be (`error`).
    case sliceInfoRead(path: String, bytes: [UInt8]?, error: String?)
}

/// Something the runtime must do for a session, in order.
package enum SessionEffect: Sendable, Equatable {
    /// Write these lines to the host in one write.
    case write([HostReply])
    /// Publish a request to `device/<serial>/request`.
    case publish(OutgoingRequest)
    /// Log a diagnostic (the core never logs itself).
    case log(SessionLog)
    /// Ask the printer's storage (FTPS) for something.
    case storage(StorageCommand)
    /// Ask the printer's camera for something.
    case camera(CameraCommand)
}

/// A request with its sequence id and exact payload.
package struct OutgoingRequest: Sendable, Equatable {
    package var request: BambuRequest
    package var sequenceID: Int
    /// The JSON text published.
    package var payload: String
    package var qualityOfService: Int

    package init(request: BambuRequest, sequenceID: Int) {
        self.request = request
        self.sequenceID = sequenceID
        self.payload = request.message(sequenceID: sequenceID).serialized
        self.qualityOfService = request.qualityOfService
    }
}

/// A diagnostic for the runtime's logger.
package struct SessionLog: Sendable, Equatable {
    package enum Level: String, Sendable, Equatable { case debug, info, notice, warning, error }
    package var level: Level
    /// A constant phrase; the data goes into `metadata`.
    package var message: String
    package var metadata: [String: String]

    package init(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}
