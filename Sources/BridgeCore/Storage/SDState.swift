// SPDX-License-Identifier: AGPL-3.0-or-later
// Everything about the emulated SD card that commands read and change.

/// The emulated SD card and its job.
///
/// Exists so storage and job commands stay pure handlers: they read and change this value in
/// their context, and the session carries out the storage requests they record.
package struct SDState: Sendable, Equatable {
    package var catalog = SDCatalog()
    /// The file selected with `M23` (or adopted from a printer-side job).
    package var selected: SDEntry?
    package var job = PrintJob()
    /// Options for the next start (`M8110`).
    package var options = PrintOptions()
    /// An `M28` upload being written.
    package var writing: Upload?
    /// `M27 S<n>`: SD status autoreport interval.
    package var statusInterval: Duration?
    /// A pause requested by `M25`, published after a short delay unless a stop follows
    /// (OctoPrint cancels with `M25`, `M27`, `M26 S0`; serial-host.md §9.5).
    package var pauseDueAt: Duration?
    private var nextOperation = 1

    package init() {}

    /// An id for a storage operation whose result comes back as an event.
    package mutating func makeOperationID() -> Int {
        defer { nextOperation += 1 }
        return nextOperation
    }
}

/// A file the host writes over the serial line (`M28`…`M29`).
package struct Upload: Sendable, Equatable {
    package var operation: Int
    /// The remote path, e.g. `/benchy.gcode`.
    package var remotePath: String
    package var bytes = 0
}

/// A storage request for the runtime (FTPS).
package enum StorageCommand: Sendable, Equatable {
    /// List `/` and `/cache`; the answer comes back as `.storageListed`.
    case refreshList
    /// Delete a file; the result comes back as `.storageFinished(operation:error:)`.
    case delete(operation: Int, path: String)
    /// Start spooling an upload to a local file.
    case beginSpool(operation: Int)
    /// Append bytes to the spool.
    case appendSpool(operation: Int, bytes: [UInt8])
    /// Upload the spool to `remotePath`; progress and the result come back as events.
    case finishSpool(operation: Int, remotePath: String)
    /// Forget a spool (the host went away mid-upload).
    case discardSpool(operation: Int)
    /// A file operation (M8170–M8179); the result comes back as `.storageFinished(operation:error:)`.
    case file(operation: Int, FileRequest)
    /// Read `Metadata/slice_info.config` from the 3MF at `path`; the bytes come back as `.sliceInfoRead`.
    case readSliceInfo(path: String)
}
