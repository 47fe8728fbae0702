// SPDX-License-Identifier: AGPL-3.0-or-later
// File operations beyond the SD emulation: folders, renames, downloads.

/// One file operation the file codes (M8170–M8179) ask the runtime to carry out over FTPS.
///
/// Exists so the seed's file manager (folders, renames, downloads) is reachable from a serial host
/// while the core stays free of I/O: the core names the operation, the storage worker runs it.
package enum FileRequest: Sendable, Equatable {
    /// List one folder; the entries come back as `.storageFolderListed`.
    case list(path: String)
    /// Create one folder (its parent must exist).
    case makeDirectory(path: String)
    /// Rename or move a file or folder.
    case rename(from: String, to: String)
    /// Delete a folder and everything in it.
    case removeFolder(path: String)
    /// Copy a file from the printer to a local file.
    case download(remotePath: String, localPath: String)
}

/// One entry of a folder listing.
package struct FolderEntry: Sendable, Equatable {
    /// The entry's name within its folder.
    package var name: String
    package var isDirectory: Bool
    /// Size in bytes (0 for folders).
    package var size: Int

    package init(name: String, isDirectory: Bool, size: Int) {
        self.name = name
        self.isDirectory = isDirectory
        self.size = size
    }
}
