// SPDX-License-Identifier: AGPL-3.0-or-later
// One entry of a printer's FTP directory listing.

/// A file or directory on the printer's storage, as `LIST` shows it.
///
/// Exists so the bridge can offer the printer's files as an SD card listing (M20) without
/// knowing FTP: names keep their spaces, paths are absolute.
package struct RemoteFile: Sendable, Equatable {
    /// Absolute path, e.g. `/cache/Benchy.gcode.3mf`.
    package var path: String
    /// The last path component.
    package var name: String
    /// Size in bytes (directories report what the server says, usually 4096).
    package var size: Int
    /// Modification time as listed; `nil` when the line had none we could read.
    package var modified: RemoteFileDate?
    package var isDirectory: Bool

    package init(path: String, name: String, size: Int, modified: RemoteFileDate?, isDirectory: Bool) {
        self.path = path
        self.name = name
        self.size = size
        self.modified = modified
        self.isDirectory = isDirectory
    }
}
