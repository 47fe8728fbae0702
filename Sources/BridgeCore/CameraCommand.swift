// SPDX-License-Identifier: AGPL-3.0-or-later
// What a session asks of the printer's camera, and how the answer comes back.

/// A camera request a command records; the runtime carries it out and answers with
/// `SessionEvent.snapshotFinished`.
///
/// Exists because the core does no I/O: taking a picture means opening the camera connection
/// and writing a file, which only the runtime can do.
package enum CameraCommand: Sendable, Equatable {
    /// Save the camera's current picture to a file; the answer carries the file's path.
    case saveSnapshot(operation: Int)
}

/// How a `saveSnapshot` request ended.
package enum SnapshotOutcome: Sendable, Equatable {
    /// The picture was written to `path`.
    case saved(path: String)
    /// No picture: the camera failed, timed out or is not available; `reason` is shown to the host.
    case failed(reason: String)
}
