// SPDX-License-Identifier: AGPL-3.0-or-later
// The file operations a client performs, named for logs and error messages.

/// One client operation.
///
/// Exists so one classification function (`FTPSError.init(_:during:endpoint:)`) can word an FTP
/// reply for what was being done: a 550 means "no such file" for `RETR`, but not for `MKD`.
enum FTPSOperation {
    case list(String)
    case upload(String)
    case download(String)
    case delete(String)
    case makeDirectory(String)
    case removeDirectory(String)
    case rename(String, to: String)
    case size(String)

    /// The remote path the operation is about (the source for a rename).
    var path: String {
        switch self {
        case .list(let path), .upload(let path), .download(let path), .delete(let path),
            .makeDirectory(let path), .removeDirectory(let path), .size(let path), .rename(let path, _):
            path
        }
    }

    /// `upload of /a.3mf`, for messages.
    var summary: String {
        switch self {
        case .list(let path): "listing of \(path)"
        case .upload(let path): "upload of \(path)"
        case .download(let path): "download of \(path)"
        case .delete(let path): "deletion of \(path)"
        case .makeDirectory(let path): "creation of \(path)"
        case .removeDirectory(let path): "removal of \(path)"
        case .rename(let from, let to): "renaming of \(from) to \(to)"
        case .size(let path): "size query of \(path)"
        }
    }

    /// The operation name for log metadata.
    var name: String {
        switch self {
        case .list: "list"
        case .upload: "upload"
        case .download: "download"
        case .delete: "delete"
        case .makeDirectory: "mkdir"
        case .removeDirectory: "rmdir"
        case .rename: "rename"
        case .size: "size"
        }
    }
}
